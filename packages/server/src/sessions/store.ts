import type { AuditDraft } from '../audit/model.js';
import type { Environment } from '../keys/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { ThrottlePolicy, ThrottleState } from './decide.js';
import type { Session } from './model.js';

export interface PasswordRecord extends ThrottleState {
  readonly hash: string;
  readonly version: number;
}

/**
 * A reserved login attempt. 'granted' carries the record as it stands with this attempt already
 * counted as a failure (so a crash or a wrong password needs no second write); 'locked' means the
 * account is locked at the given time and the attempt must not be evaluated.
 */
export type PasswordReservation =
  | { readonly outcome: 'granted'; readonly record: PasswordRecord }
  | { readonly outcome: 'locked'; readonly lockedUntilMs: number }
  | { readonly outcome: 'not_found' };

/**
 * Session persistence. Every backend passes test/store/session-store-conformance.ts.
 *
 * Rules every implementation MUST follow (the main Store's, store/types.ts, plus these):
 *  - Every method that takes an `AuditDraft` applies its change AND appends the audit record in one
 *    transaction; if the record cannot be written the change MUST NOT be applied and the method
 *    MUST throw. A method that throws has changed nothing.
 *  - Only SHA-256 hashes of session keys and refresh tokens are stored. Times are integer ms.
 *  - `rotateTokens` MUST be one compare-and-set on the current refresh hash of an unrevoked
 *    session: of concurrent rotations presenting the same hash exactly one answers 'ok'. The spent
 *    hash MUST be recorded in the same transaction, so every loser (and any later replay) finds it
 *    with `findSpentRefresh` and is recognised as reuse. A revoked session never rotates.
 *  - Revocation MUST be guarded on "not yet revoked": each session is revoked once, concurrent
 *    revokes have one winner, and the first revocation's time and reason stand.
 *  - `lastUsedAtMs` only moves forward (`max()`), whether written by `touchSessions` or
 *    `rotateTokens`: batches from many nodes land in any order, and idle expiry
 *    (sessions/decide.ts) must never end an active session because a stale time arrived last.
 *  - `reservePasswordAttempt` MUST be one atomic, guarded write (never read-then-write): it counts
 *    the attempt as a failure exactly as `afterFailure` (sessions/decide.ts) would, and only if the
 *    account is not locked at `nowMs`. Of N concurrent reservations on an unlocked account with
 *    `k` attempts left before the lock, exactly `k` are granted (the k-th sets the lock); the rest
 *    answer 'locked'. This is what bounds how many guesses reach argon2, whatever the concurrency.
 */
export interface SessionStore {
  /** Atomic with its audit record. Throws if the id, session-key hash or refresh hash exists (lookups by hash must be unambiguous). */
  insertSession(session: Session, audit: AuditDraft): Promise<void>;
  getSession(id: string): Promise<Session | undefined>;
  /** The session whose current session key has this hash (revoked and expired ones too: deciding is sessions/decide.ts's job). */
  findBySessionKeyHash(hash: string): Promise<Session | undefined>;
  /** The session whose current (unspent) refresh token has this hash. */
  findByRefreshHash(hash: string): Promise<Session | undefined>;
  /** The session that once used this (now spent) refresh hash, if any. */
  findSpentRefresh(hash: string): Promise<string | undefined>;
  /**
   * Replaces both hashes, bumps `generation`, sets `lastUsedAtMs = max(lastUsedAtMs, nowMs)` and
   * records `expectedRefreshHash` as spent, in one transaction, if and only if the session is
   * unrevoked and its refresh hash is still `expectedRefreshHash`; otherwise 'conflict' and no change.
   */
  rotateTokens(input: {
    readonly sessionId: string;
    readonly expectedRefreshHash: string;
    readonly sessionKeyHash: string;
    readonly sessionKeyExpiresAtMs: number;
    readonly refreshHash: string;
    readonly nowMs: number;
  }): Promise<'ok' | 'conflict'>;
  /** Revokes if not yet revoked ('ok'); already revoked is 'conflict', unknown 'not_found'. Atomic with its audit record, written only on 'ok'. */
  revokeSession(id: string, reason: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /**
   * Revokes every unrevoked session of a subject in one app and environment (no other) and returns
   * how many. One transaction with one audit record carrying `revoked: n`, written even for 0.
   */
  revokeSubjectSessions(appId: string, environment: Environment, subject: string, reason: string, nowMs: number, audit: AuditDraft): Promise<number>;
  /** Newest first (`createdAtMs` descending); `subject` undefined means every subject. */
  listSessions(appId: string, environment: Environment, subject: string | undefined, includeRevoked: boolean, limit: number): Promise<readonly Session[]>;
  /** last_used = max(last_used, given): additive like key usage. Unknown ids are ignored. Not audited (telemetry). */
  touchSessions(touches: ReadonlyArray<{ readonly id: string; readonly lastUsedAtMs: number }>): Promise<void>;

  getPassword(appId: string, environment: Environment, subject: string): Promise<PasswordRecord | undefined>;
  /**
   * Creates or replaces the subject's password in one atomic upsert (never read-then-write),
   * resetting the throttle and bumping `version`, so an attempt computed against the old record
   * conflicts. Atomic with its audit record.
   */
  setPassword(appId: string, environment: Environment, subject: string, hash: string, nowMs: number, audit: AuditDraft): Promise<void>;
  /**
   * Reserves one login attempt before the password is verified: if the account is not locked at
   * `nowMs`, counts a failure (`afterFailure` under `policy`), bumps `version` and answers
   * 'granted' with the new record; if locked, changes nothing and answers 'locked'. Not audited
   * (throttle state).
   */
  reservePasswordAttempt(appId: string, environment: Environment, subject: string, nowMs: number, policy: ThrottlePolicy): Promise<PasswordReservation>;
  /**
   * Settles a reservation whose password was right: failures and lock cleared, `version` bumped,
   * if and only if the stored hash is still `verifiedHash` ('conflict' otherwise: a success against
   * a replaced password must not wipe the new password's failures). 'not_found' with no record.
   */
  clearPasswordFailures(appId: string, environment: Environment, subject: string, verifiedHash: string): Promise<WriteOutcome>;
}
