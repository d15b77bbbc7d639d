import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSigner } from '../../../client/src/signer.js';
import { authenticate } from '../../src/credentials/authenticate.js';
import { manualClock } from '../../src/lib/clock.js';
import { SqliteRateLimitStore } from '../../src/ratelimit/sqlite-store.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/ratelimit/store.js';
import { MemoryNonceStore, type NonceStore } from '../../src/signatures/nonce-store.js';
import { SqliteNonceStore } from '../../src/signatures/sqlite-nonce-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { SharedSqlite } from '../../src/store/sqlite-shared.js';
import { CLI } from '../helpers.js';
import { SHARED_BACKENDS, signedRequest, twoInstances } from './helpers.js';
import { PostgresNonceStore, PostgresRateLimitStore } from '../../src/store/postgres/shared-state.js';
import { pgStore } from '../store/pg-harness.js';
import { RedisNonceStore } from '../../src/state/redis/nonce-store.js';
import { RedisRateLimitStore } from '../../src/state/redis/ratelimit-store.js';
import { connection, privateRedis, type PrivateRedis } from './redis/redis-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const T0 = Date.UTC(2026, 5, 1);

let redisServer: PrivateRedis | undefined;
/** A connection with a fresh key prefix to this file's private redis-server. */
async function redis() {
  redisServer ??= await privateRedis();
  return connection(redisServer);
}

/** A migrated SQLite file and a shared-state connection to it. */
async function sharedFile(): Promise<SharedSqlite> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-conf-'));
  const store = openSqliteStore({ dataDir: dir });
  await store.migrate();
  const shared = new SharedSqlite(path.join(dir, 'keyward.db'));
  cleanups.push(async () => {
    shared.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return shared;
}

/** A migrated PostgreSQL store on a fresh schema, closed after the test. */
async function pg() {
  const store = await pgStore();
  cleanups.push(() => store.close());
  return store;
}

const nonceStores: [string, (o: { maxPerKey: number; now: () => number }) => Promise<NonceStore>][] = [
  ['memory', async (o) => new MemoryNonceStore(o)],
  ['sqlite', async (o) => new SqliteNonceStore(await sharedFile(), o)],
  ['postgres', async (o) => new PostgresNonceStore((await pg()).db, o)],
  ['redis', async (o) => new RedisNonceStore(await redis(), o)],
];

describe.each(nonceStores)('NonceStore conformance: %s', (_name, make) => {
  it('a nonce is fresh once, replayed while live, fresh again after it expired', async () => {
    const clock = manualClock(T0);
    const s = await make({ maxPerKey: 10, now: clock });
    expect(await s.checkAndRemember('k1', 'n1', T0 + 1000)).toBe('fresh');
    expect(await s.checkAndRemember('k1', 'n1', T0 + 1000)).toBe('replayed');
    expect(await s.checkAndRemember('k2', 'n1', T0 + 1000)).toBe('fresh'); // per key
    clock.set(T0 + 1000);
    expect(await s.checkAndRemember('k1', 'n1', T0 + 2000)).toBe('fresh');
  });

  it('a full key answers over_capacity and forgets no live nonce; expired ones make room', async () => {
    const clock = manualClock(T0);
    const s = await make({ maxPerKey: 3, now: clock });
    for (const n of ['a', 'b', 'c']) expect(await s.checkAndRemember('k', n, T0 + 1000)).toBe('fresh');
    expect(await s.checkAndRemember('k', 'd', T0 + 1000)).toBe('over_capacity');
    expect(await s.checkAndRemember('k', 'a', T0 + 1000)).toBe('replayed');
    expect(await s.checkAndRemember('other', 'a', T0 + 1000)).toBe('fresh');
    clock.set(T0 + 1000);
    expect(await s.checkAndRemember('k', 'd', T0 + 2000)).toBe('fresh');
  });

  it('of concurrent checks of one nonce exactly one is fresh', async () => {
    const s = await make({ maxPerKey: 1000, now: () => T0 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => s.checkAndRemember('k', 'same', T0 + 1000)));
    expect(outcomes.filter((o) => o === 'fresh')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'replayed')).toHaveLength(19);
  });
});

const limitStores: [string, () => Promise<RateLimitStore>][] = [
  ['memory', async () => new MemoryRateLimitStore()],
  ['sqlite', async () => new SqliteRateLimitStore(await sharedFile())],
  ['postgres', async () => new PostgresRateLimitStore((await pg()).db)],
  ['redis', async () => new RedisRateLimitStore(await redis())],
];

describe.each(limitStores)('RateLimitStore conformance: %s', (_name, make) => {
  const limit = { rate: 3, windowMs: 60_000, burst: 3 };

  it('GCRA: burst admitted, then refused with a retry time, one more after an interval', async () => {
    const s = await make();
    for (let i = 0; i < 3; i++) expect(await s.consume('r', limit, T0, 1)).toMatchObject({ allowed: true, remaining: 2 - i });
    const refused = await s.consume('r', limit, T0, 1);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 20_000 });
    expect(await s.consume('r', limit, T0 + 20_000, 1)).toMatchObject({ allowed: true });
    expect(await s.consume('other', limit, T0, 1)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('quota: spends by cost, refuses past the amount, refills next period', async () => {
    const s = await make();
    const q = { amount: 5, refill: { intervalSeconds: 3600 } as const };
    expect(await s.spend('q', q, T0, 3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await s.spend('q', q, T0, 3)).toMatchObject({ allowed: false, remaining: 2 });
    expect(await s.spend('q', q, T0 + 3_600_000, 3)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('consumeAll is all or nothing: a refusal by a later op spends nothing from the earlier ones', async () => {
    const s = await make();
    const tight = { rate: 1, windowMs: 60_000, burst: 1 };
    expect((await s.consumeAll([{ type: 'rate', key: 'tight', limit: tight, cost: 1 }], T0))[0]!.decision.allowed).toBe(true);
    const r = await s.consumeAll(
      [
        { type: 'rate', key: 'wide', limit, cost: 1 },
        { type: 'rate', key: 'tight', limit: tight, cost: 1 },
        { type: 'quota', key: 'q', quota: { amount: 5, refill: 'daily' }, cost: 1 },
      ],
      T0,
    );
    expect(r.map((x) => x.decision.allowed)).toEqual([true, false, true]);
    expect(await s.consume('wide', limit, T0, 0)).toMatchObject({ remaining: 3 });
    expect(await s.spend('q', { amount: 5, refill: 'daily' }, T0, 0)).toMatchObject({ remaining: 5 });
  });

  it('concurrent consumes never over-admit', async () => {
    const s = await make();
    const results = await Promise.all(Array.from({ length: 20 }, () => s.consume('c', limit, T0, 1)));
    expect(results.filter((d) => d.allowed)).toHaveLength(3);
  });
});

describe.each(SHARED_BACKENDS)('two processes on one %s store share the replay cache, the rate limits and the credits', (backend) => {
  it('the same signed request is accepted exactly once across both (SIGNATURE_REPLAYED on the other)', async () => {
    const s = await twoInstances({}, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'a' }, CLI);
    const k = await s.a.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const req = await signedRequest(createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: k.secret }));
    expect(await authenticate(req, s.a.credentials)).toMatchObject({ valid: true });
    expect(await authenticate(req, s.b.credentials)).toMatchObject({ valid: false, code: 'SIGNATURE_REPLAYED' });
    expect(await authenticate(req, s.a.credentials)).toMatchObject({ valid: false, code: 'SIGNATURE_REPLAYED' });
  });

  it("a key limited to N calls admits N in total across both, the rest RATE_LIMITED", async () => {
    const s = await twoInstances({}, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'a' }, CLI);
    const k = await s.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'limited', ratelimit: { rate: 4, windowSeconds: 3600, burst: 4 } }, CLI);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await (i % 2 ? s.a : s.b).verifier.verify(k.secret));
    expect(answers.filter((d) => d.valid)).toHaveLength(4);
    expect(answers.filter((d) => !d.valid).map((d) => d.code)).toEqual(Array(6).fill('RATE_LIMITED'));
  });

  it('50 concurrent spends of one metered key across both never answer 500: VALID or USAGE_EXCEEDED, and exactly the credits are spent', async () => {
    const s = await twoInstances({}, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'a' }, CLI);
    const k = await s.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'metered', credits: { amount: 20, refill: null } }, CLI);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? s.a : s.b).verifier.verify(k.secret)));
    expect(new Set(answers.map((d) => d.code))).toEqual(new Set(['VALID', 'USAGE_EXCEEDED']));
    expect(answers.filter((d) => d.code === 'VALID')).toHaveLength(20);
    expect(await s.b.store.spendKeyCredits(k.key.id, 0, Date.now())).toMatchObject({ remaining: 0 });
  });
});
