import { useEffect } from 'react';
import { api } from './api.js';
import type { Session } from './types.js';

/** Never ask again sooner than this after a check (a browser clock far ahead must not cause a loop). */
const MIN_RECHECK_MS = 5_000;

/**
 * Ends the page's session when the server's does, without waiting for the next click: at the
 * session's `expiresAt` it asks the server (the browser's clock may be off, so the server decides)
 * and adopts the answer, which is null once the session has ended (a session the server still
 * honours is a new object, so the check is scheduled again). The page then shows sign-in
 * with the way back (App.tsx).
 */
export function useSessionExpiry(session: Session | null | undefined, adopt: (s: Session | null) => void): void {
  useEffect(() => {
    const expiresAt = session?.expiresAt;
    if (!expiresAt) return;
    const dueMs = Math.min(Math.max(Date.parse(expiresAt) - Date.now(), MIN_RECHECK_MS), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      api<Session>('GET', '/v1/console/session').then(adopt, () => adopt(null));
    }, dueMs);
    return () => clearTimeout(timer);
  }, [session, adopt]);
}
