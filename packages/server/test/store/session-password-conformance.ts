import { expect, it } from 'vitest';
import type { SessionStore } from '../../src/sessions/store.js';
import { count, draft, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

/**
 * The password half of the SessionStore contract (src/sessions/store.ts): one record per
 * (app, environment, subject), replaced atomically, and throttle counters written only by
 * compare-and-set on `version`, so concurrent wrong guesses cannot erase each other's failures.
 * Called inside `sessionStoreConformance`'s describe block.
 */
export function passwordConformance(make: HarnessFactory<SessionStore>): void {
  it('setPassword creates, then replaces: throttling reset, version bumped, audited each time, scoped to app, environment and subject', async () => {
    const h = await make();
    const appId = await h.createApp();
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toBeUndefined();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-1', failedCount: 0, lockedUntilMs: 0, version: 1 });
    expect(await h.store.recordPasswordAttempt(appId, 'live', 'user_1', { failedCount: 6, lockedUntilMs: T0 + 30_000 }, 1)).toBe('ok');
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-2', T0 + 1, draft('password.set', 'user_1'));
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toEqual({ hash: 'hash-2', failedCount: 0, lockedUntilMs: 0, version: 3 });
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

  it('recordPasswordAttempt: guarded on version; of concurrent attempts on one version exactly one lands; no record is not_found', async () => {
    const h = await make();
    const appId = await h.createApp();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    const outcomes = await race(10, (i) => h.store.recordPasswordAttempt(appId, 'live', 'user_1', { failedCount: 1, lockedUntilMs: i }, 1));
    expect(count(outcomes, 'ok')).toBe(1);
    expect(count(outcomes, 'conflict')).toBe(9);
    const after = (await h.store.getPassword(appId, 'live', 'user_1'))!;
    expect(after).toMatchObject({ hash: 'hash-1', failedCount: 1, version: 2 });
    expect(after.lockedUntilMs).toBe(outcomes.indexOf('ok'));
    expect(await h.store.recordPasswordAttempt(appId, 'live', 'user_2', { failedCount: 1, lockedUntilMs: 0 }, 1)).toBe('not_found');
    expect(await h.store.recordPasswordAttempt(appId, 'test', 'user_1', { failedCount: 1, lockedUntilMs: 0 }, 1)).toBe('not_found');
    expect(await h.store.getPassword(appId, 'live', 'user_2')).toBeUndefined();
    await h.close();
  });

  it('an attempt computed before a password reset conflicts: a reset is never undone by a stale failure count', async () => {
    const h = await make();
    const appId = await h.createApp();
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-1', T0, draft('password.set', 'user_1'));
    const stale = (await h.store.getPassword(appId, 'live', 'user_1'))!;
    await h.store.setPassword(appId, 'live', 'user_1', 'hash-2', T0 + 1, draft('password.set', 'user_1'));
    expect(await h.store.recordPasswordAttempt(appId, 'live', 'user_1', { failedCount: 9, lockedUntilMs: T0 + 3_600_000 }, stale.version)).toBe('conflict');
    expect(await h.store.getPassword(appId, 'live', 'user_1')).toMatchObject({ hash: 'hash-2', failedCount: 0, lockedUntilMs: 0 });
    await h.close();
  });
}
