import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import type { App } from '../types.js';

/**
 * Loads data for a page and reloads it on demand. Only the newest request may fill the page: an
 * older answer arriving late (a reload after an action racing an environment switch) is dropped,
 * as in AppKeys and Audit.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | undefined; error: unknown; setError: (e: unknown) => void; reload: () => Promise<void> } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const latest = useRef(0);
  // A reload always runs the newest loader, even when called from an older render's closure
  // (an action that started before the user switched environment or opened another log).
  const loader = useRef(load);
  useLayoutEffect(() => {
    loader.current = load;
  });
  const reload = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const answer = await loader.current();
      if (mine === latest.current) {
        setData(answer);
        setError(undefined);
      }
    } catch (err) {
      if (mine === latest.current) setError(err);
    }
  }, []);
  // The caller names what the loader depends on, as with useEffect.
  useEffect(() => void reload(), [reload, ...deps]);
  return { data, error, setError, reload };
}

/** The app's record (its name for the header, its settings for the settings page). */
export function useApp(appId: string) {
  return useLoad(() => api<App>('GET', `/v1/apps/${appId}`), [appId]);
}

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
