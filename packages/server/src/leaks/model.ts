/**
 * A leak report as Keyward keeps it: one row per (token hash, URL), counted on repeats so a
 * report GitHub sends again (its retries, or the same file pushed twice) changes nothing but the
 * count. The token itself is never stored, only its SHA-256 (the hash keys are stored under).
 */
export type LeakOutcome = 'revoked' | 'flagged' | 'already_revoked' | 'false_positive';

/**
 * An operator's review of a report: `open` until someone acts; `dismissed` (looked at, nothing to
 * do: a false alarm, a test key); `resolved` (the key it names was revoked from the report).
 */
export type LeakStatus = 'open' | 'dismissed' | 'resolved';
export const LEAK_STATUSES: readonly LeakStatus[] = ['open', 'dismissed', 'resolved'];

export interface LeakReport {
  readonly id: string;
  readonly tokenHash: string;
  readonly tokenType: string;
  readonly url: string;
  readonly source: string;
  /** The Keyward key the token is, or null (a false positive). */
  readonly keyId: string | null;
  readonly appId: string | null;
  readonly outcome: LeakOutcome;
  /** The key id of the public key that signed the first report. */
  readonly reportedBy: string;
  readonly reportCount: number;
  readonly firstReportedAtMs: number;
  readonly lastReportedAtMs: number;
  /** The review; `outcome` stays what the report itself did. */
  readonly status: LeakStatus;
  readonly closedAtMs: number | null;
  /** The actor who dismissed or resolved it. */
  readonly closedBy: string | null;
}

/**
 * What happens to a reported key, per app (`settings.leakAction`):
 *  - `revoke`: revoked at once, reason `leaked`;
 *  - `flag`: marked exposed and notified (webhook `key.exposed`), left working for the operator
 *    to rotate on their schedule;
 *  - `auto` (default): `flag` for publishable keys, which are built to ship inside apps (revoking
 *    one found in a public bundle would break every installed copy), `revoke` for every other kind
 *    (secret, root, session, signing …), which must never be public.
 * Root keys belong to no app: always `revoke`.
 */
export type LeakAction = 'auto' | 'revoke' | 'flag';
export const LEAK_ACTIONS: readonly LeakAction[] = ['auto', 'revoke', 'flag'];

export function decideLeakAction(setting: LeakAction | undefined, kind: string): 'revoke' | 'flag' {
  if (kind === 'root') return 'revoke';
  const s = setting ?? 'auto';
  if (s !== 'auto') return s;
  return kind === 'publishable' ? 'flag' : 'revoke';
}
