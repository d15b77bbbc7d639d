import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSigner } from '../../../client/src/signer.js';
import { authenticate } from '../../src/credentials/authenticate.js';
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
import { nonceStoreConformance } from './nonce-conformance.js';
import { rateLimitStoreConformance } from './ratelimit-conformance.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});


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

for (const [name, make] of nonceStores) nonceStoreConformance(name, make);

const limitStores: [string, () => Promise<RateLimitStore>][] = [
  ['memory', async () => new MemoryRateLimitStore()],
  ['sqlite', async () => new SqliteRateLimitStore(await sharedFile())],
  ['postgres', async () => new PostgresRateLimitStore((await pg()).db)],
  ['redis', async () => new RedisRateLimitStore(await redis())],
];

for (const [name, make] of limitStores) rateLimitStoreConformance(name, make);

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
