import type { AuditDraft } from '../audit/model.js';
import type { Environment } from '../keys/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { ThrottleState } from './decide.js';
import type { Session } from './model.js';

export interface PasswordRecord extends ThrottleState {
  readonly hash: string;
  readonly version: number;
}

/**
 * Session persistence. Rules as for the main Store, plus:
 *  - `rotateTokens` MUST be a compare-and-set on the current refresh hash: of two concurrent
 *    refreshes with the same token exactly one rotates; the spent hash is recorded in the same
 *    transaction so the loser (and any later replay) is recognised as reuse.
 *  - `recordPasswordFailure`/`recordPasswordSuccess` MUST be guarded on `version`, so concurrent
 *    guesses cannot lose failure counts.
 */
export interface SessionStore {
  insertSession(session: Session, audit: AuditDraft): Promise<void>;
  getSession(id: string): Promise<Session | undefined>;
  findBySessionKeyHash(hash: string): Promise<Session | undefined>;
  findByRefreshHash(hash: string): Promise<Session | undefined>;
  /** The session that once used this (now spent) refresh hash, if any. */
  findSpentRefresh(hash: string): Promise<string | undefined>;
  rotateTokens(input: {
    readonly sessionId: string;
    readonly expectedRefreshHash: string;
    readonly sessionKeyHash: string;
    readonly sessionKeyExpiresAtMs: number;
    readonly refreshHash: string;
    readonly nowMs: number;
  }): Promise<'ok' | 'conflict'>;
  /** Revokes if not yet revoked; atomic with its audit record. */
  revokeSession(id: string, reason: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /** Revokes every live session of a subject; returns how many. Atomic with one audit record. */
  revokeSubjectSessions(appId: string, environment: Environment, subject: string, reason: string, nowMs: number, audit: AuditDraft): Promise<number>;
  listSessions(appId: string, environment: Environment, subject: string | undefined, includeRevoked: boolean, limit: number): Promise<readonly Session[]>;
  /** last_used = max(last_used, given): additive like key usage. */
  touchSessions(touches: ReadonlyArray<{ readonly id: string; readonly lastUsedAtMs: number }>): Promise<void>;

  getPassword(appId: string, environment: Environment, subject: string): Promise<PasswordRecord | undefined>;
  setPassword(appId: string, environment: Environment, subject: string, hash: string, nowMs: number, audit: AuditDraft): Promise<void>;
  recordPasswordAttempt(appId: string, environment: Environment, subject: string, next: { failedCount: number; lockedUntilMs: number }, expectedVersion: number): Promise<WriteOutcome>;
}
