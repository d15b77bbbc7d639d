import { expect, it } from 'vitest';
import { afterFailure, THROTTLE, type ThrottleState } from '../../src/sessions/decide.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { draft, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

/**
 * The password half of the SessionStore contract (src/sessions/store.ts): one record per
 * (app, environment, subject), replaced atomically, and login attempts reserved by one guarded
 * write before argon2 runs, so concurrent guesses can neither all pass the lock check nor erase
 * each other's failures.
 * Called inside `sessionStoreConformance`'s describe block.
 */
export function passwordConformance(make: HarnessFactory<SessionStore>): void {
  it('setPassword creates, then replaces: throttling reset, version bumped, audited each time, scoped to app, environment and subject', async () => {
    const h = await make();
    const appId = await h.createApp();
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toBeUndefined();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-1', failedCount: 0, lockedUntilMs: 0, version: 1 });
    for (let i = 0; i < 5; i++) await h.store.reservePasswordAttempt(appId, 'live', 'user_1', T0, THROTTLE);
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toMatchObject({ failedCount: 5, lockedUntilMs: T0 + 30_000, version: 6 });
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-2', T0 + 1, draft('password.set', 'user_1'));
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-2', failedCount: 0, lockedUntilMs: 0, version: 7 });
    expect(await h.store.getPassword(appId, 'test', 'user_1')).toBeUndefined();
    expect(await h.store.getPassword(appId, 'live', 'user_2')).toBeUndefined();
    expect(await h.store.getPassword(await h.createApp(), 'live', 'user_1')).toBeUndefined();
    expect((await h.audit()).filter((r) => r.action === 'password.set')).toHaveLength(2);
    await h.close();
  });

  it('a password change whose audit record cannot be written changes nothing', async () => {
    const h = await make();
    const appId = await h.createApp();
    await expect(h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, unwritable('password.set', 'user_1'))).rejects.toThrow();
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toBeUndefined();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    await expect(h.store.setPassword(appId, 'live', 'user_1', 'hash-2', T0 + 1, unwritable('password.set', 'user_1'))).rejects.toThrow();
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-1', failedCount: 0, lockedUntilMs: 0, version: 1 });
    await h.close();
  });

  it('concurrent first passwords for one subject: none fails, one record, every change audited', async () => {
    const h = await make();
    const appId = await h.createApp();
    await race(5, (i) => h.store.setPassword(appId, 'live', 'user_1', `hash-${i}`, T0 + i, draft('password.set', 'user_1')));
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toMatchObject({ version: 5, failedCount: 0 });
    expect((await h.audit()).filter((r) => r.action === 'password.set')).toHaveLength(5);
    await h.close();
  });

  it('reservePasswordAttempt counts a failure exactly as afterFailure does, and refuses (changing nothing) while locked', async () => {
    const h = await make();
    const appId = await h.createApp();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    let expected: ThrottleState = { failedCount: 0, lockedUntilMs: 0 };
    let now = T0;
    // Through the free attempts, the first lock, and several doubled locks up to the cap.
    for (let step = 0; step < 14; step++) {
      const r = await h.store.reservePasswordAttempt(appId, 'live', 'user_1', now, THROTTLE);
      expected = afterFailure(expected, now, THROTTLE);
      expect(r, `step ${step}`).toEqual({ outcome: 'granted', record: { hash: 'hash-1', ...expected, version: step + 2 } });
      if (expected.lockedUntilMs > now) {
        const before = await h.store.getPassword(appId, 'live', 'user_1');
        expect(await h.store.reservePasswordAttempt(appId, 'live', 'user_1', expected.lockedUntilMs - 1, THROTTLE)).toEqual({ outcome: 'locked', lockedUntilMs: expected.lockedUntilMs });
        expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual(before);
        now = expected.lockedUntilMs; // the lock ends exactly here
      }
    }
    expect(expected.lockedUntilMs - now).toBe(0);
    expect((await h.store.getPassword(appId, 'live', 'user_1'))!.lockedUntilMs).toBe(expected.lockedUntilMs);
    expect(await h.store.reservePasswordAttempt(appId, 'live', 'user_2', T0, THROTTLE)).toEqual({ outcome: 'not_found' });
    expect(await h.store.reservePasswordAttempt(appId, 'test', 'user_1', T0, THROTTLE)).toEqual({ outcome: 'not_found' });
    expect(await h.store.getPassword(appId, 'live', 'user_2')).toBeUndefined();
    await h.close();
  });

  it('reservePasswordAttempt is atomic: of 20 concurrent reservations with 5 allowed exactly 5 are granted; after the lock, exactly 1', async () => {
    const h = await make();
    const appId = await h.createApp();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    const first = await race(20, () => h.store.reservePasswordAttempt(appId, 'live', 'user_1', T0, THROTTLE));
    expect(first.filter((r) => r.outcome === 'granted')).toHaveLength(THROTTLE.freeAttempts);
    expect(first.filter((r) => r.outcome === 'locked')).toHaveLength(20 - THROTTLE.freeAttempts);
    // Each grant saw its own count: no two reservations shared one.
    expect(first.flatMap((r) => (r.outcome === 'granted' ? [r.record.failedCount] : [])).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-1', failedCount: 5, lockedUntilMs: T0 + THROTTLE.baseLockMs, version: 6 });
    const later = T0 + THROTTLE.baseLockMs;
    const second = await race(20, () => h.store.reservePasswordAttempt(appId, 'live', 'user_1', later, THROTTLE));
    expect(second.filter((r) => r.outcome === 'granted')).toHaveLength(1);
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toMatchObject({ failedCount: 6, lockedUntilMs: later + 2 * THROTTLE.baseLockMs, version: 7 });
    await h.close();
  });

  it('clearPasswordFailures clears only while the verified hash is current: a success against a replaced password keeps the new failures', async () => {
    const h = await make();
    const appId = await h.createApp();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    for (let i = 0; i < 3; i++) await h.store.reservePasswordAttempt(appId, 'live', 'user_1', T0, THROTTLE);
    expect(await h.store.clearPasswordFailures(appId, 'live', 'user_1', 'hash-1')).toBe('ok');
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-1', failedCount: 0, lockedUntilMs: 0, version: 5 });
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-2', T0 + 1, draft('password.set', 'user_1'));
    for (let i = 0; i < 5; i++) await h.store.reservePasswordAttempt(appId, 'live', 'user_1', T0 + 1, THROTTLE);
    expect(await h.store.clearPasswordFailures(appId, 'live', 'user_1', 'hash-1')).toBe('conflict');
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toMatchObject({ hash: 'hash-2', failedCount: 5, lockedUntilMs: T0 + 1 + THROTTLE.baseLockMs });
    expect(await h.store.clearPasswordFailures(appId, 'live', 'user_2', 'hash-1')).toBe('not_found');
    await h.close();
  });
}
