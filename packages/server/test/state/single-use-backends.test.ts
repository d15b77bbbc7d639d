import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSingleUseStore } from '../../src/state/redis/single-use-store.js';
import { SqlSingleUseStore } from '../../src/store/sql/single-use-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { pgStore } from '../store/pg-harness.js';
import { connection, privateRedis, type PrivateRedis } from './redis/redis-harness.js';
import { singleUseConformance } from './single-use-conformance.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function sqlite() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-su-'));
  dirs.push(dir);
  const store = openSqliteStore({ dataDir: dir });
  await store.migrate();
  return store;
}

let redisServer: PrivateRedis | undefined;
async function redis() {
  redisServer ??= await privateRedis();
  return connection(redisServer);
}

singleUseConformance('sqlite', async (now) => {
  const store = await sqlite();
  return { store: new SqlSingleUseStore(store.db, { now }), close: () => store.close() };
});
singleUseConformance('postgres', async (now) => {
  const store = await pgStore();
  return { store: new SqlSingleUseStore(store.db, { now }), close: () => store.close() };
});
singleUseConformance('redis', async (now) => ({ store: new RedisSingleUseStore(await redis(), { now }) }));

describe('SqlSingleUseStore sweeps what nobody takes', () => {
  it('expired rows are deleted on a later put, live ones kept', async () => {
    const store = await sqlite();
    let t = 1_700_000_000_000;
    const su = new SqlSingleUseStore(store.db, { now: () => t, sweepIntervalMs: 1_000 });
    await su.put('old', 'x', 500);
    await su.put('live', 'y', 60_000);
    t += 1_000;
    await su.put('new', 'z', 60_000);
    const keys = (await store.db.selectFrom('single_use').select('key').execute()).map((r) => r.key).sort();
    expect(keys).toEqual(['live', 'new']);
    await store.close();
  });
});

describe('RedisSingleUseStore bounds memory', () => {
  it('an entry carries a PX expiry of its ttl, and a taken one is gone from Redis', async () => {
    const conn = await redis();
    const su = new RedisSingleUseStore(conn, { now: Date.now });
    await su.put('c1', 'challenge', 30_000);
    const key = `${conn.keyPrefix}:su:c1`;
    const ttl = await conn.client.pttl(key);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await su.take('c1')).toBe('challenge');
    expect(await conn.client.exists(key)).toBe(0);
  });
});
