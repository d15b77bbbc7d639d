import { useCallback, useSyncExternalStore } from 'react';

export type Env = 'live' | 'test';

/**
 * The live/test switch shared by every page of one app (keys, settings, sessions, devices,
 * webhooks, attestation), so switching on one page holds on the next. In memory only: it is not a
 * secret, but nothing the dashboard keeps outlives the tab.
 */
const chosen = new Map<string, Env>();
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setAppEnv(appId: string, env: Env): void {
  if (chosen.get(appId) === env) return;
  chosen.set(appId, env);
  for (const l of listeners) l();
}

export function appEnv(appId: string): Env {
  return chosen.get(appId) ?? 'live';
}

/** `[env, setEnv]` for an app, like `useState`, but shared by its pages. */
export function useAppEnv(appId: string): [Env, (env: Env) => void] {
  const env = useSyncExternalStore(subscribe, () => appEnv(appId), () => appEnv(appId));
  const set = useCallback((e: Env) => setAppEnv(appId, e), [appId]);
  return [env, set];
}
