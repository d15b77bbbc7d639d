import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveVerificationQuery } from '../../src/analytics/query.js';
import { VerificationRecorder } from '../../src/analytics/recorder.js';
import type { KeyDecision } from '../../src/keys/decide.js';
import { FlushBuffer } from '../../src/lib/flush-buffer.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward } from '../../src/keyward.js';
import { SqlAnalyticsStore } from '../../src/store/sql/analytics-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { CLI, makeKeyward } from '../helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 2026-06-01T23:59:30Z: thirty seconds before a minute, hour and day boundary at once. */
const LATE = Date.UTC(2026, 5, 1, 23, 59, 30);

async function setup(startMs = LATE) {
  const { kw, clock } = await makeKeyward({ startMs });
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const issued = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
  const day = (ms: number) => resolveVerificationQuery({ granularity: 'day', from: ms - 2 * DAY, to: ms + 2 * DAY }, ms);
  return { kw, clock, app, key: issued.key, secret: issued.secret, day };
}

/** Rows inserted, updated or deleted on the store's one SQLite connection since it opened. */
async function storeWrites(kw: Awaited<ReturnType<typeof makeKeyward>>['kw']): Promise<number> {
  const r = await sql<{ n: number }>`SELECT total_changes() AS n`.execute(kw.store.db);
  return Number(r.rows[0]!.n);
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('verification analytics recorder', () => {
  it('bounded while the store refuses flushes: one entry per key per minute piles up only to maxPendingEntries, then new entries are dropped and counted', async () => {
    const clock = manualClock(LATE);
    const store = { addVerifications: async () => Promise.reject(new Error('store down')) } as unknown as SqlAnalyticsStore;
    const recorder = new VerificationRecorder({ store, now: clock, flushIntervalMs: 0, retention: { minuteRetentionHours: 1, hourRetentionDays: 1, dayRetentionDays: 1 }, maxPendingEntries: 50 });
    const decision = (i: number) => ({ valid: true, code: 'VALID', key: { id: `key_${i}`, appId: 'app_1', identityId: null } }) as unknown as KeyDecision;
    for (let minute = 0; minute < 20; minute++) {
      for (let i = 0; i < 5; i++) recorder.record(decision(i));
      await recorder.flush(); // fails: the batch merges back
      clock.advance(MINUTE);
    }
    expect(recorder.pendingEntries).toBe(50);
    expect(recorder.droppedEntries).toBe(20 * 5 - 50);
  });

  it('a verification writes nothing to the store; the flush writes the counts', async () => {
    const s = await setup();
    await s.kw.verifier.verify(s.secret); // loads the key into the cache (a read)
    await s.kw.usage.flush();
    await s.kw.analytics.flush();
    const before = await storeWrites(s.kw);
    for (let i = 0; i < 25; i++) await s.kw.verifier.verify(s.secret);
    await s.kw.usage.flush(); // usage counters are written separately; only analytics may remain
    const afterUsage = await storeWrites(s.kw);
    for (let i = 0; i < 25; i++) await s.kw.verifier.verify(s.secret);
    expect(await storeWrites(s.kw)).toBe(afterUsage);
    expect(afterUsage).toBeGreaterThan(before); // the usage flush wrote (the counter works)
    expect(s.kw.analytics.pendingEntries).toBe(1);
    await s.kw.analytics.flush();
    expect(await storeWrites(s.kw)).toBeGreaterThan(afterUsage);
    expect(await s.kw.analytics.query(s.day(LATE))).toEqual([{ startMs: Date.UTC(2026, 5, 1), total: 51, valid: 51, outcomes: { VALID: 51 } }]);
    await s.kw.close();
  });

  it('buckets at UTC minute, hour and day boundaries, split by outcome code', async () => {
    const s = await setup();
    await s.kw.verifier.verify(s.secret);
    await s.kw.verifier.verify(s.secret, { scopes: ['nope:x'] }); // a secret key holds every scope: still VALID
    await s.kw.keys.update(s.key.id, { enabled: false }, CLI);
    await s.kw.verifier.verify(s.secret); // 23:59:30, CREDENTIAL_DISABLED
    s.clock.advance(30_000); // 00:00:00 the next day
    await s.kw.verifier.verify(s.secret);
    await s.kw.keys.update(s.key.id, { enabled: true }, CLI);
    await s.kw.verifier.verify(s.secret);
    s.clock.advance(59_999); // 00:00:59.999: still the same minute
    await s.kw.verifier.verify(s.secret);
    const before = Date.UTC(2026, 5, 1, 23, 59);
    const after = Date.UTC(2026, 5, 2, 0, 0);
    const q = (granularity: 'minute' | 'hour' | 'day') => s.kw.analytics.query(resolveVerificationQuery({ granularity, from: before - DAY, to: after + MINUTE }, s.clock()));
    expect(await q('minute')).toEqual([
      { startMs: before, total: 3, valid: 2, outcomes: { CREDENTIAL_DISABLED: 1, VALID: 2 } },
      { startMs: after, total: 3, valid: 2, outcomes: { CREDENTIAL_DISABLED: 1, VALID: 2 } },
    ]);
    expect((await q('hour')).map((b) => [new Date(b.startMs).toISOString(), b.total])).toEqual([
      ['2026-06-01T23:00:00.000Z', 3],
      ['2026-06-02T00:00:00.000Z', 3],
    ]);
    expect((await q('day')).map((b) => [new Date(b.startMs).toISOString(), b.outcomes])).toEqual([
      ['2026-06-01T00:00:00.000Z', { CREDENTIAL_DISABLED: 1, VALID: 2 }],
      ['2026-06-02T00:00:00.000Z', { CREDENTIAL_DISABLED: 1, VALID: 2 }],
    ]);
    await s.kw.close();
  });

  it('counts refusals of real keys per key (revoked answers INVALID_CREDENTIAL), never root keys or unknown keys', async () => {
    const s = await setup();
    const root = await s.kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'op' }, CLI);
    await s.kw.verifier.verify(root.secret, { kinds: ['root'] });
    await s.kw.verifier.verify(`${s.secret.slice(0, -12)}AAAAAAAAAAAA`); // malformed / unknown: no key to count against
    await s.kw.keys.revoke(s.key.id, 'leaked', CLI);
    await s.kw.verifier.verify(s.secret);
    const buckets = await s.kw.analytics.query({ ...s.day(LATE), keyId: s.key.id });
    expect(buckets.map((b) => b.outcomes)).toEqual([{ INVALID_CREDENTIAL: 1 }]);
    expect((await s.kw.analytics.query(s.day(LATE))).map((b) => b.total)).toEqual([1]);
    await s.kw.close();
  });

  it('prunes each granularity after its retention (48 h, 90 d, 730 d by default), on a later flush', async () => {
    const t = Date.UTC(2026, 5, 1, 12, 0);
    const s = await setup(t);
    await s.kw.verifier.verify(s.secret);
    await s.kw.analytics.flush();
    const window = (granularity: 'minute' | 'hour' | 'day') => ({ granularity, fromMs: t - DAY, toMs: t + DAY });
    const present = async () => Promise.all((['minute', 'hour', 'day'] as const).map(async (g) => (await s.kw.analytics.query(window(g))).length));
    expect(await present()).toEqual([1, 1, 1]);
    s.clock.set(t + 48 * HOUR); // the minute is exactly 48 h old: kept
    await s.kw.analytics.prune();
    expect(await present()).toEqual([1, 1, 1]);
    s.clock.set(t + 48 * HOUR + 10 * MINUTE);
    await s.kw.analytics.flush(); // nothing pending, but a prune is due (10 min since the last): it runs
    expect(await present()).toEqual([0, 1, 1]);
    s.clock.set(t + 90 * DAY + HOUR);
    await s.kw.analytics.flush();
    expect(await present()).toEqual([0, 0, 1]);
    s.clock.set(t + 731 * DAY);
    await s.kw.analytics.flush();
    expect(await present()).toEqual([0, 0, 0]);
    await s.kw.close();
  });

  it('retention is configurable, and a prune is not repeated within its interval', async () => {
    const t = Date.UTC(2026, 5, 1, 12, 0);
    const { kw, clock } = await makeKeyward({ startMs: t });
    const store = new SqlAnalyticsStore(kw.store.db);
    await store.addVerifications([{ minuteStartMs: t, appId: 'app_x', keyId: 'key_x', identityId: null, code: 'VALID', count: 1 }]);
    const { VerificationRecorder } = await import('../../src/analytics/recorder.js');
    const recorder = new VerificationRecorder({ store, now: clock, flushIntervalMs: 0, retention: { minuteRetentionHours: 1, hourRetentionDays: 1, dayRetentionDays: 1 }, pruneIntervalMs: 5 * MINUTE });
    clock.set(t + HOUR + MINUTE);
    await recorder.flush();
    expect(await store.queryVerifications({ granularity: 'minute', fromMs: t, toMs: t + MINUTE })).toEqual([]);
    await store.addVerifications([{ minuteStartMs: t, appId: 'app_x', keyId: 'key_x', identityId: null, code: 'VALID', count: 1 }]);
    clock.advance(4 * MINUTE); // within the interval: no prune
    await recorder.flush();
    expect(await store.queryVerifications({ granularity: 'minute', fromMs: t, toMs: t + MINUTE })).toHaveLength(1);
    clock.advance(MINUTE);
    await recorder.flush();
    expect(await store.queryVerifications({ granularity: 'minute', fromMs: t, toMs: t + MINUTE })).toEqual([]);
    await kw.close();
  });

  it('counts still in memory are written on shutdown (close), and read back by the next process', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-analytics-'));
    dirs.push(dir);
    const clock = manualClock(LATE);
    const config = { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 3_600_000 } as const;
    const first = await createKeyward({ store: openSqliteStore({ dataDir: dir }), now: clock, config });
    const app = await first.apps.create({ name: 'a' }, CLI);
    const issued = await first.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    for (let i = 0; i < 3; i++) await first.verifier.verify(issued.secret);
    expect(first.analytics.pendingEntries).toBe(1);
    await first.close();
    const second = await createKeyward({ store: openSqliteStore({ dataDir: dir }), now: clock, config });
    expect((await second.analytics.query({ granularity: 'hour', fromMs: LATE - DAY, toMs: LATE + DAY, appId: app.id })).map((b) => b.outcomes)).toEqual([{ VALID: 3 }]);
    await second.close();
  });
});

describe('FlushBuffer (the one batching mechanism of usage and analytics)', () => {
  it('a failed write is merged back and written once by the next flush: late, never lost or doubled', async () => {
    const written: [string, number][][] = [];
    let fail = true;
    const errors: unknown[] = [];
    const buffer = new FlushBuffer<{ n: number }>({
      flushIntervalMs: 0,
      onError: (e) => errors.push(e),
      merge: (into, from) => {
        into.n += from.n;
      },
      write: async (batch) => {
        if (fail) throw new Error('store down');
        written.push([...batch].map(([k, v]) => [k, v.n]));
      },
    });
    buffer.set('a', { n: 2 });
    await buffer.flush();
    expect(errors).toHaveLength(1);
    buffer.get('a')!.n += 1; // recorded while the store was down
    buffer.set('b', { n: 1 });
    fail = false;
    await buffer.stop();
    expect(written).toEqual([
      [
        ['a', 3],
        ['b', 1],
      ],
    ]);
    await buffer.flush();
    expect(written).toHaveLength(1);
  });
});
