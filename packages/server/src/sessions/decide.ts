import type { DenyCode } from '../errors/catalogue.js';
import type { Session } from './model.js';

export type SessionDecision =
  | { readonly valid: true; readonly session: Session }
  | { readonly valid: false; readonly code: DenyCode; readonly reason: 'NOT_FOUND' | 'REVOKED' | 'KEY_EXPIRED' | 'IDLE' | 'ABSOLUTE' | 'WRONG_APP' | 'WRONG_ENVIRONMENT' };

/**
 * Pure: is this session key usable now? Unknown and revoked answer INVALID_CREDENTIAL (the same
 * from outside); an expired session key answers SESSION_EXPIRED so the SDK refreshes; a session
 * past its idle or absolute limit answers SESSION_EXPIRED too, and the refresh will then fail the
 * same way, sending the user to sign in.
 */
export function decideSession(
  session: Session | undefined,
  nowMs: number,
  lastUsedAtMs: number,
  context: { readonly appId?: string; readonly environment?: string } = {},
): SessionDecision {
  if (!session) return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' };
  if (session.revokedAtMs !== null) return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' };
  if (context.appId !== undefined && session.appId !== context.appId) return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'WRONG_APP' };
  if (context.environment !== undefined && session.environment !== context.environment) return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'WRONG_ENVIRONMENT' };
  if (nowMs >= session.absoluteExpiresAtMs) return { valid: false, code: 'SESSION_EXPIRED', reason: 'ABSOLUTE' };
  if (nowMs >= Math.max(session.lastUsedAtMs, lastUsedAtMs) + session.idleTtlMs) return { valid: false, code: 'SESSION_EXPIRED', reason: 'IDLE' };
  if (nowMs >= session.sessionKeyExpiresAtMs) return { valid: false, code: 'SESSION_EXPIRED', reason: 'KEY_EXPIRED' };
  return { valid: true, session };
}

/** Pure: may this refresh proceed (the family is alive)? Same limits, except the session key's own expiry. */
export function decideRefresh(session: Session, nowMs: number, lastUsedAtMs: number): SessionDecision {
  if (session.revokedAtMs !== null) return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' };
  if (nowMs >= session.absoluteExpiresAtMs) return { valid: false, code: 'SESSION_EXPIRED', reason: 'ABSOLUTE' };
  if (nowMs >= Math.max(session.lastUsedAtMs, lastUsedAtMs) + session.idleTtlMs) return { valid: false, code: 'SESSION_EXPIRED', reason: 'IDLE' };
  return { valid: true, session };
}

/**
 * Password throttling, pure. After `freeAttempts` consecutive failures each further failure locks
 * the account for an exponentially growing window (30 s, 60 s, … capped at 1 h). A success resets.
 */
export interface ThrottleState {
  readonly failedCount: number;
  readonly lockedUntilMs: number;
}

export interface ThrottlePolicy {
  readonly freeAttempts: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
}

export const THROTTLE: ThrottlePolicy = { freeAttempts: 5, baseLockMs: 30_000, maxLockMs: 3_600_000 };

export function isLocked(state: ThrottleState, nowMs: number): boolean {
  return state.lockedUntilMs > nowMs;
}

/**
 * The state after one more failure. Login counts it when it reserves the attempt, before argon2
 * runs (SessionStore.reservePasswordAttempt applies exactly this in one guarded write), so
 * parallel guesses cannot all read "unlocked" and all be evaluated.
 */
export function afterFailure(state: ThrottleState, nowMs: number, policy: ThrottlePolicy = THROTTLE): ThrottleState {
  const failedCount = state.failedCount + 1;
  const over = failedCount - policy.freeAttempts;
  const lockMs = over >= 0 ? Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** over) : 0;
  return { failedCount, lockedUntilMs: lockMs > 0 ? nowMs + lockMs : state.lockedUntilMs };
}
