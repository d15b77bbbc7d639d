import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.js';
import { manualClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import { decideRefresh, decideSession } from '../../src/sessions/decide.js';
import type { Session } from '../../src/sessions/model.js';
import { SessionService } from '../../src/sessions/service.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { count, DAY, draft, HOUR, MINUTE, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';
import { passwordConformance } from './session-password-conformance.js';

const hash = (): string => sha256Hex(randomUUID());

export function makeSession(appId: string, over: Partial<Session> = {}): Session {
  return {
    id: newId('ses'), appId, environment: 'live', subject: 'user_1', device: { name: 'phone', platform: 'ios', appVersion: '1.2.3' },
    sessionKeyHash: hash(), sessionKeyExpiresAtMs: T0 + HOUR, refreshHash: hash(), generation: 0,
    createdAtMs: T0, lastUsedAtMs: T0, idleTtlMs: DAY, absoluteExpiresAtMs: T0 + 30 * DAY, revokedAtMs: null, revokedReason: null, ...over,
  };
}

const rotation = (s: Pick<Session, 'id'>, expectedRefreshHash: string, nowMs: number) => ({ sessionId: s.id, expectedRefreshHash, sessionKeyHash: hash(), sessionKeyExpiresAtMs: nowMs + HOUR, refreshHash: hash(), nowMs });

/**
 * The conformance suite every SessionStore backend must pass (the MUST rules in
 * src/sessions/store.ts). Call it with a factory returning a fresh, migrated, empty store.
 */
export function sessionStoreConformance(name: string, make: HarnessFactory<SessionStore>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    it('reads a session back by id, session-key hash and refresh hash, and by nothing else; audited', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      expect(await h.store.getSession(s.id)).toEqual(s);
      expect(await h.store.findBySessionKeyHash(s.sessionKeyHash)).toEqual(s);
      expect(await h.store.findByRefreshHash(s.refreshHash)).toEqual(s);
      expect(await h.store.findBySessionKeyHash(s.refreshHash)).toBeUndefined();
      expect(await h.store.findByRefreshHash(hash())).toBeUndefined();
      expect(await h.store.getSession(newId('ses'))).toBeUndefined();
      expect((await h.audit()).map((r) => [r.action, r.target, r.atMs])).toEqual([['session.create', s.id, T0]]);
      await h.close();
    });

    it('an insert whose audit record cannot be written leaves no session', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await expect(h.store.insertSession(s, unwritable('session.create', s.id))).rejects.toThrow();
      expect(await h.store.getSession(s.id)).toBeUndefined();
      expect(await h.store.findBySessionKeyHash(s.sessionKeyHash)).toBeUndefined();
      expect(await h.audit()).toEqual([]);
      await h.close();
    });

    it('a second session with an existing id, session-key hash or refresh hash is refused and changes nothing', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      await expect(h.store.insertSession(makeSession(s.appId, { id: s.id }), draft('session.create', s.id))).rejects.toThrow();
      await expect(h.store.insertSession(makeSession(s.appId, { sessionKeyHash: s.sessionKeyHash }), draft('session.create', 'x'))).rejects.toThrow();
      await expect(h.store.insertSession(makeSession(s.appId, { refreshHash: s.refreshHash }), draft('session.create', 'y'))).rejects.toThrow();
      expect(await h.store.findBySessionKeyHash(s.sessionKeyHash)).toEqual(s);
      expect(await h.store.findByRefreshHash(s.refreshHash)).toEqual(s);
      expect(await h.audit()).toHaveLength(1);
      await h.close();
    });

    it('rotateTokens replaces both hashes, bumps the generation, records the spent hash and the last use', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      const r = rotation(s, s.refreshHash, T0 + MINUTE);
      expect(await h.store.rotateTokens(r)).toBe('ok');
      const after = await h.store.getSession(s.id);
      expect(after).toEqual({ ...s, sessionKeyHash: r.sessionKeyHash, sessionKeyExpiresAtMs: r.sessionKeyExpiresAtMs, refreshHash: r.refreshHash, generation: 1, lastUsedAtMs: T0 + MINUTE });
      expect(await h.store.findBySessionKeyHash(s.sessionKeyHash)).toBeUndefined();
      expect(await h.store.findByRefreshHash(s.refreshHash)).toBeUndefined();
      expect(await h.store.findSpentRefresh(s.refreshHash)).toBe(s.id);
      expect(await h.store.findSpentRefresh(r.refreshHash)).toBeUndefined();
      // The spent hash is spent: presenting it again is a conflict, not a second rotation.
      expect(await h.store.rotateTokens(rotation(s, s.refreshHash, T0 + 2 * MINUTE))).toBe('conflict');
      expect((await h.store.getSession(s.id))?.generation).toBe(1);
      await h.close();
    });

    it('20 concurrent rotations with one refresh hash: exactly one wins, and the hash is recorded as spent for the others', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      const attempts = Array.from({ length: 20 }, (_, i) => rotation(s, s.refreshHash, T0 + i));
      const outcomes = await race(20, (i) => h.store.rotateTokens(attempts[i]!));
      expect(count(outcomes, 'ok')).toBe(1);
      expect(count(outcomes, 'conflict')).toBe(19);
      const winner = attempts[outcomes.indexOf('ok')]!;
      const after = (await h.store.getSession(s.id))!;
      expect([after.refreshHash, after.sessionKeyHash, after.generation]).toEqual([winner.refreshHash, winner.sessionKeyHash, 1]);
      // Every loser (and any later replay) sees the token as spent by this session: reuse.
      expect(await h.store.findSpentRefresh(s.refreshHash)).toBe(s.id);
      // The winner's token is the one that rotates next.
      expect(await h.store.rotateTokens(rotation(s, winner.refreshHash, T0 + MINUTE))).toBe('ok');
      expect((await h.store.getSession(s.id))?.generation).toBe(2);
      await h.close();
    });

    it('a revoked or unknown session never rotates, and records no spent hash', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      expect(await h.store.revokeSession(s.id, 'logout', T0 + 1, draft('session.revoke', s.id))).toBe('ok');
      expect(await h.store.rotateTokens(rotation(s, s.refreshHash, T0 + 2))).toBe('conflict');
      expect(await h.store.findSpentRefresh(s.refreshHash)).toBeUndefined();
      expect((await h.store.getSession(s.id))?.refreshHash).toBe(s.refreshHash);
      expect(await h.store.rotateTokens(rotation({ id: newId('ses') }, s.refreshHash, T0 + 2))).toBe('conflict');
      await h.close();
    });

    it('revokeSession: once (the first reason and time stand), audited once; unknown is not_found; concurrent revokes have one winner', async () => {
      const h = await make();
      const appId = await h.createApp();
      const s = makeSession(appId);
      await h.store.insertSession(s, draft('session.create', s.id));
      expect(await h.store.revokeSession(s.id, 'logout', T0 + 5, draft('session.revoke', s.id))).toBe('ok');
      expect(await h.store.revokeSession(s.id, 'again', T0 + 6, draft('session.revoke', s.id))).toBe('conflict');
      expect(await h.store.revokeSession(newId('ses'), 'x', T0 + 6, draft('session.revoke', 'x'))).toBe('not_found');
      expect(await h.store.getSession(s.id)).toMatchObject({ revokedAtMs: T0 + 5, revokedReason: 'logout' });
      const raced = makeSession(appId);
      await h.store.insertSession(raced, draft('session.create', raced.id));
      const outcomes = await race(10, (i) => h.store.revokeSession(raced.id, `r${i}`, T0 + 10 + i, draft('session.revoke', raced.id)));
      expect(count(outcomes, 'ok')).toBe(1);
      expect((await h.audit()).filter((r) => r.action === 'session.revoke').map((r) => r.target)).toEqual([s.id, raced.id]);
      await h.close();
    });

    it('a revoke whose audit record cannot be written leaves the session live', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      await expect(h.store.revokeSession(s.id, 'logout', T0 + 1, unwritable('session.revoke', s.id))).rejects.toThrow();
      expect((await h.store.getSession(s.id))?.revokedAtMs).toBeNull();
      await expect(h.store.revokeSubjectSessions(s.appId, 'live', s.subject, 'all', T0 + 1, unwritable('session.revoke_all', s.subject))).rejects.toThrow();
      expect((await h.store.getSession(s.id))?.revokedAtMs).toBeNull();
      await h.close();
    });

    it('revokeSubjectSessions: every live session of that subject in that app and environment, nobody else, with one audit record', async () => {
      const h = await make();
      const appId = await h.createApp();
      const other = await h.createApp();
      const mine = [makeSession(appId), makeSession(appId, { createdAtMs: T0 + 1 })];
      const already = makeSession(appId, { createdAtMs: T0 + 2 });
      const untouched = [makeSession(appId, { subject: 'user_2' }), makeSession(appId, { environment: 'test' }), makeSession(other)];
      for (const s of [...mine, already, ...untouched]) await h.store.insertSession(s, draft('session.create', s.id));
      await h.store.revokeSession(already.id, 'earlier', T0 + 3, draft('session.revoke', already.id));
      expect(await h.store.revokeSubjectSessions(appId, 'live', 'user_1', 'password changed', T0 + 10, draft('session.revoke_all', 'user_1'))).toBe(2);
      for (const s of mine) expect(await h.store.getSession(s.id)).toMatchObject({ revokedAtMs: T0 + 10, revokedReason: 'password changed' });
      expect(await h.store.getSession(already.id)).toMatchObject({ revokedAtMs: T0 + 3, revokedReason: 'earlier' });
      for (const s of untouched) expect((await h.store.getSession(s.id))?.revokedAtMs).toBeNull();
      const records = (await h.audit()).filter((r) => r.action === 'session.revoke_all');
      expect(records.map((r) => [r.target, r.data.revoked])).toEqual([['user_1', 2]]);
      // Nothing left to revoke: 0, still audited (the operator asked).
      expect(await h.store.revokeSubjectSessions(appId, 'live', 'user_1', 'again', T0 + 11, draft('session.revoke_all', 'user_1'))).toBe(0);
      // A revoked session's refresh token is dead.
      expect(await h.store.rotateTokens(rotation(mine[0]!, mine[0]!.refreshHash, T0 + 12))).toBe('conflict');
      await h.close();
    });

    it('concurrent revoke-alls revoke each session exactly once', async () => {
      const h = await make();
      const appId = await h.createApp();
      const sessions = Array.from({ length: 6 }, (_, i) => makeSession(appId, { createdAtMs: T0 + i }));
      for (const s of sessions) await h.store.insertSession(s, draft('session.create', s.id));
      const counts = await race(5, (i) => h.store.revokeSubjectSessions(appId, 'live', 'user_1', `r${i}`, T0 + 100 + i, draft('session.revoke_all', 'user_1')));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
      expect(await h.store.listSessions(appId, 'live', 'user_1', false, 100)).toEqual([]);
      await h.close();
    });

    it('listSessions: newest first, scoped to app, environment and (optionally) subject; revoked only on request; limited', async () => {
      const h = await make();
      const appId = await h.createApp();
      const a = makeSession(appId, { createdAtMs: T0 });
      const b = makeSession(appId, { createdAtMs: T0 + 2, subject: 'user_2' });
      const c = makeSession(appId, { createdAtMs: T0 + 1 });
      const testEnv = makeSession(appId, { environment: 'test' });
      const elsewhere = makeSession(await h.createApp());
      for (const s of [a, b, c, testEnv, elsewhere]) await h.store.insertSession(s, draft('session.create', s.id));
      await h.store.revokeSession(c.id, 'x', T0 + 3, draft('session.revoke', c.id));
      const ids = async (subject: string | undefined, revoked: boolean, limit = 100) => (await h.store.listSessions(appId, 'live', subject, revoked, limit)).map((s) => s.id);
      expect(await ids(undefined, false)).toEqual([b.id, a.id]);
      expect(await ids(undefined, true)).toEqual([b.id, c.id, a.id]);
      expect(await ids('user_1', true)).toEqual([c.id, a.id]);
      expect(await ids(undefined, true, 1)).toEqual([b.id]);
      expect((await h.store.listSessions(appId, 'test', undefined, true, 100)).map((s) => s.id)).toEqual([testEnv.id]);
      await h.close();
    });

    it('last use only moves forward: touches are max(), out of order and from many nodes; unknown ids are ignored', async () => {
      const h = await make();
      const s = makeSession(await h.createApp());
      await h.store.insertSession(s, draft('session.create', s.id));
      await h.store.touchSessions([{ id: s.id, lastUsedAtMs: T0 + 50 }, { id: newId('ses'), lastUsedAtMs: T0 + 99 }]);
      await h.store.touchSessions([{ id: s.id, lastUsedAtMs: T0 + 20 }]);
      await h.store.touchSessions([]);
      expect(await h.store.getSession(s.id)).toEqual({ ...s, lastUsedAtMs: T0 + 50 });
      // A refresh stamped earlier than a touch already recorded (clock skew between nodes) does not move it back.
      expect(await h.store.rotateTokens(rotation(s, s.refreshHash, T0 + 30))).toBe('ok');
      expect((await h.store.getSession(s.id))?.lastUsedAtMs).toBe(T0 + 50);
      await h.close();
    });

    it('idle and absolute expiry follow the stored times (frozen clock): use extends the idle limit, never the absolute one', async () => {
      const h = await make();
      const clock = manualClock(T0);
      const s = makeSession(await h.createApp(), { idleTtlMs: HOUR, absoluteExpiresAtMs: T0 + 3 * HOUR, sessionKeyExpiresAtMs: T0 + 10 * MINUTE });
      await h.store.insertSession(s, draft('session.create', s.id));
      const stored = async () => (await h.store.getSession(s.id))!;
      clock.set(T0 + 59 * MINUTE);
      expect(decideRefresh(await stored(), clock(), 0)).toMatchObject({ valid: true });
      expect(decideSession(await stored(), clock(), 0)).toMatchObject({ valid: false, code: 'SESSION_EXPIRED', reason: 'KEY_EXPIRED' });
      expect(await h.store.rotateTokens(rotation(s, s.refreshHash, clock()))).toBe('ok');
      clock.set(T0 + 90 * MINUTE);
      expect(decideRefresh(s, clock(), 0)).toMatchObject({ valid: false, reason: 'IDLE' }); // as inserted
      expect(decideRefresh(await stored(), clock(), 0)).toMatchObject({ valid: true }); // the rotation's last use was kept
      const rotated = await stored();
      await h.store.touchSessions([{ id: s.id, lastUsedAtMs: T0 + 140 * MINUTE }]);
      clock.set(T0 + 170 * MINUTE);
      expect(decideRefresh(rotated, clock(), 0)).toMatchObject({ valid: false, reason: 'IDLE' }); // before the touch
      expect(decideRefresh(await stored(), clock(), 0)).toMatchObject({ valid: true });
      clock.set(T0 + 180 * MINUTE - 1);
      expect(decideRefresh(await stored(), clock(), 0)).toMatchObject({ valid: true });
      // However recent the last use, the absolute limit ends the session.
      clock.set(T0 + 180 * MINUTE);
      expect(decideRefresh(await stored(), clock(), 0)).toMatchObject({ valid: false, reason: 'ABSOLUTE' });
      await h.close();
    });

    it('through SessionService: concurrent refreshes with one token give one VALID, the rest REFRESH_REUSED, and the family is revoked', async () => {
      const h = await make();
      const clock = manualClock(T0);
      const svc = new SessionService({ store: h.store, now: clock, touchFlushIntervalMs: 0, cacheTtlMs: 0 });
      const issued = await svc.create({ appId: await h.createApp(), environment: 'live', subject: 'user_1' }, { actor: 'test', requestId: 'req_conf' });
      clock.advance(MINUTE);
      const results = await race(8, () => svc.refresh(issued.refreshToken));
      expect(count(results.map((r) => r.code), 'VALID')).toBe(1);
      expect(count(results.map((r) => r.code), 'REFRESH_REUSED')).toBe(7);
      expect((await h.store.getSession(issued.session.id))?.revokedAtMs).toBe(T0 + MINUTE);
      const winner = results.find((r) => r.valid)!;
      expect((await svc.refresh(winner.refreshToken!)).code).toBe('INVALID_CREDENTIAL');
      expect((await svc.verify(winner.sessionKey!)).code).toBe('INVALID_CREDENTIAL');
      await svc.close();
      await h.close();
    });

    it('through SessionService: idle expiry counts last uses flushed by another process, and only those', async () => {
      const h = await make();
      const clock = manualClock(T0);
      const ttls = { sessionKeyTtlSeconds: 24 * 3600, idleTtlSeconds: 3600, absoluteTtlSeconds: 48 * 3600 };
      const node = () => new SessionService({ store: h.store, now: clock, ttls, touchFlushIntervalMs: 0, cacheTtlMs: 0 });
      const a = node();
      const issued = await a.create({ appId: await h.createApp(), environment: 'live', subject: 'user_1' }, { actor: 'test', requestId: 'req_conf' });
      clock.set(T0 + 50 * MINUTE);
      expect((await a.verify(issued.sessionKey)).code).toBe('VALID');
      await a.flushTouches();
      // A fresh process knows only the store: valid at T0+100m because the store kept T0+50m.
      const b = node();
      clock.set(T0 + 100 * MINUTE);
      expect((await b.verify(issued.sessionKey)).code).toBe('VALID');
      await b.flushTouches();
      clock.set(T0 + 160 * MINUTE - 1);
      expect((await node().verify(issued.sessionKey)).code).toBe('VALID');
      clock.set(T0 + 160 * MINUTE);
      expect(await node().verify(issued.sessionKey)).toMatchObject({ valid: false, code: 'SESSION_EXPIRED', reason: 'IDLE' });
      await h.close();
    });

    passwordConformance(make);
  });
}
