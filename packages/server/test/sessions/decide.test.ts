import { describe, expect, it } from 'vitest';
import { THROTTLE, afterFailure, decideRefresh, decideSession, isLocked } from '../../src/sessions/decide.js';
import type { Session } from '../../src/sessions/model.js';

/**
 * The pure session decisions, at their boundaries: each limit is ">= now", so the millisecond a
 * limit is reached already refuses. The end-to-end suite (sessions.test.ts) covers the same rules
 * through login, refresh and the store.
 */
const T0 = 1_000_000;
const session: Session = {
  id: 'ses_1',
  appId: 'app_1',
  environment: 'live',
  subject: 'alice',
  device: { platform: 'ios', name: 'phone' },
  sessionKeyHash: 'h',
  sessionKeyExpiresAtMs: T0 + 500,
  refreshHash: 'r',
  generation: 0,
  createdAtMs: T0,
  lastUsedAtMs: T0,
  idleTtlMs: 1_000,
  absoluteExpiresAtMs: T0 + 2_000,
  revokedAtMs: null,
  revokedReason: null,
};

describe('decideSession', () => {
  it('a live session in its app and environment is valid, and the decision carries it', () => {
    expect(decideSession(session, T0, T0, { appId: 'app_1', environment: 'live' })).toEqual({ valid: true, session });
    expect(decideSession(session, T0 + 499, T0)).toEqual({ valid: true, session });
  });

  it('unknown and revoked are INVALID_CREDENTIAL, with the reason kept apart', () => {
    expect(decideSession(undefined, T0, T0)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    expect(decideSession({ ...session, revokedAtMs: T0 }, T0, T0)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    // revokedAtMs 0 is still a revocation (a null check, not a truthiness check).
    expect(decideSession({ ...session, revokedAtMs: 0 }, T0, T0)).toMatchObject({ reason: 'REVOKED' });
  });

  it('another app or environment is INVALID_CREDENTIAL; an unset context does not scope', () => {
    expect(decideSession(session, T0, T0, { appId: 'app_2' })).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'WRONG_APP' });
    expect(decideSession(session, T0, T0, { environment: 'test' })).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'WRONG_ENVIRONMENT' });
    expect(decideSession(session, T0, T0, { appId: 'app_1' })).toMatchObject({ valid: true });
    expect(decideSession(session, T0, T0, { environment: 'live' })).toMatchObject({ valid: true });
  });

  it('the session key expires at sessionKeyExpiresAtMs exactly', () => {
    expect(decideSession(session, T0 + 499, T0 + 499)).toMatchObject({ valid: true });
    expect(decideSession(session, T0 + 500, T0 + 499)).toEqual({ valid: false, code: 'SESSION_EXPIRED', reason: 'KEY_EXPIRED' });
  });

  it('the idle limit counts from the later of the stored and the in-memory last use', () => {
    const fresh = { ...session, sessionKeyExpiresAtMs: T0 + 10_000 };
    expect(decideSession(fresh, T0 + 999, T0)).toMatchObject({ valid: true });
    expect(decideSession(fresh, T0 + 1_000, T0)).toEqual({ valid: false, code: 'SESSION_EXPIRED', reason: 'IDLE' });
    // A use known only in memory (not yet flushed) keeps it alive…
    expect(decideSession(fresh, T0 + 1_500, T0 + 600)).toMatchObject({ valid: true });
    // …and so does one known only to the store.
    expect(decideSession({ ...fresh, lastUsedAtMs: T0 + 600 }, T0 + 1_500, T0)).toMatchObject({ valid: true });
    expect(decideSession(fresh, T0 + 1_600, T0 + 600)).toMatchObject({ reason: 'IDLE' });
  });

  it('the absolute limit wins over activity, and is checked before the idle and key limits', () => {
    const busy = { ...session, sessionKeyExpiresAtMs: T0 + 10_000, idleTtlMs: 10_000 };
    expect(decideSession(busy, T0 + 1_999, T0 + 1_999)).toMatchObject({ valid: true });
    expect(decideSession(busy, T0 + 2_000, T0 + 1_999)).toEqual({ valid: false, code: 'SESSION_EXPIRED', reason: 'ABSOLUTE' });
    // Every limit passed at once: the absolute one is named, so the refresh is not attempted in vain.
    expect(decideSession(session, T0 + 5_000, T0)).toMatchObject({ reason: 'ABSOLUTE' });
    // Idle and key both passed: idle is named (the refresh would fail the same way).
    expect(decideSession({ ...session, absoluteExpiresAtMs: T0 + 9_000 }, T0 + 5_000, T0)).toMatchObject({ reason: 'IDLE' });
  });

  it('revocation is named before scoping, and scoping before expiry', () => {
    const everythingWrong = { ...session, revokedAtMs: T0 };
    expect(decideSession(everythingWrong, T0 + 5_000, T0, { appId: 'app_2' })).toMatchObject({ reason: 'REVOKED' });
    expect(decideSession(session, T0 + 5_000, T0, { appId: 'app_2' })).toMatchObject({ reason: 'WRONG_APP' });
    expect(decideSession(session, T0 + 5_000, T0, { environment: 'test' })).toMatchObject({ reason: 'WRONG_ENVIRONMENT' });
  });
});

describe('decideRefresh', () => {
  it('ignores the session key’s own expiry (refreshing is how it is renewed)', () => {
    expect(decideRefresh(session, T0 + 900, T0)).toEqual({ valid: true, session });
  });

  it('refuses a revoked family, and the idle and absolute limits at their exact millisecond', () => {
    expect(decideRefresh({ ...session, revokedAtMs: 0 }, T0, T0)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    expect(decideRefresh(session, T0 + 999, T0)).toMatchObject({ valid: true });
    expect(decideRefresh(session, T0 + 1_000, T0)).toEqual({ valid: false, code: 'SESSION_EXPIRED', reason: 'IDLE' });
    expect(decideRefresh(session, T0 + 1_500, T0 + 600)).toMatchObject({ valid: true });
    expect(decideRefresh({ ...session, lastUsedAtMs: T0 + 600 }, T0 + 1_500, T0)).toMatchObject({ valid: true });
    const busy = { ...session, idleTtlMs: 10_000 };
    expect(decideRefresh(busy, T0 + 1_999, T0)).toMatchObject({ valid: true });
    expect(decideRefresh(busy, T0 + 2_000, T0)).toEqual({ valid: false, code: 'SESSION_EXPIRED', reason: 'ABSOLUTE' });
    expect(decideRefresh(session, T0 + 5_000, T0)).toMatchObject({ reason: 'ABSOLUTE' });
  });
});

describe('password throttle', () => {
  it('the first freeAttempts - 1 failures only count', () => {
    let state = { failedCount: 0, lockedUntilMs: 0 };
    for (let i = 1; i < THROTTLE.freeAttempts; i++) {
      state = afterFailure(state, T0);
      expect(state).toEqual({ failedCount: i, lockedUntilMs: 0 });
    }
  });

  it('from the fifth failure on, each locks for 30 s, 60 s, 120 s …, capped at one hour', () => {
    const lockAfter = (failedCount: number) => afterFailure({ failedCount: failedCount - 1, lockedUntilMs: 0 }, T0).lockedUntilMs - T0;
    expect(THROTTLE).toEqual({ freeAttempts: 5, baseLockMs: 30_000, maxLockMs: 3_600_000 });
    expect([5, 6, 7, 8].map(lockAfter)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(lockAfter(12)).toBe(3_600_000); // 30 s · 2^7 = 3840 s, capped
    expect(lockAfter(40)).toBe(3_600_000);
  });

  it('a counted failure without a lock leaves an earlier lock as it was', () => {
    expect(afterFailure({ failedCount: 0, lockedUntilMs: T0 + 7 }, T0)).toEqual({ failedCount: 1, lockedUntilMs: T0 + 7 });
  });

  it('the policy is a parameter', () => {
    const policy = { freeAttempts: 1, baseLockMs: 10, maxLockMs: 15 };
    expect(afterFailure({ failedCount: 0, lockedUntilMs: 0 }, T0, policy)).toEqual({ failedCount: 1, lockedUntilMs: T0 + 10 });
    expect(afterFailure({ failedCount: 1, lockedUntilMs: 0 }, T0, policy)).toEqual({ failedCount: 2, lockedUntilMs: T0 + 15 });
  });

  it('isLocked is strict: the lock ends at lockedUntilMs', () => {
    expect(isLocked({ failedCount: 9, lockedUntilMs: T0 + 1 }, T0)).toBe(true);
    expect(isLocked({ failedCount: 9, lockedUntilMs: T0 }, T0)).toBe(false);
    expect(isLocked({ failedCount: 9, lockedUntilMs: T0 - 1 }, T0)).toBe(false);
  });
});
