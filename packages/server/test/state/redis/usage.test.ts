import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from '../../../src/state/redis/connect.js';
import { RedisUsageFlusher } from '../../../src/state/redis/usage.js';
import type { UsageDelta } from '../../../src/store/types.js';
import { CLI } from '../../helpers.js';
import { twoInstances } from '../helpers.js';
import { privateRedis, type PrivateRedis } from './redis-harness.js';

let redis: PrivateRedis;
let nodes: Awaited<ReturnType<typeof twoInstances>>;
const prefix = `t${randomBytes(4).toString('hex')}`;
const conns: RedisConnection[] = [];
beforeAll(async () => {
  redis = await privateRedis();
  nodes = await twoInstances({ redisUrl: redis.url, redisKeyPrefix: prefix });
});
afterAll(async () => {
  for (const c of conns) await c.close();
  await nodes.close();
  await redis.stop();
});

async function conn(): Promise<RedisConnection> {
  const c = await connectRedis({ url: redis.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000, keyPrefix: prefix });
  conns.push(c);
  return c;
}

async function keyWithUses(usesA: number, usesB: number) {
  const app = await nodes.a.apps.create({ name: 'u' }, CLI);
  const k = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'counted' }, CLI);
  for (let i = 0; i < usesA; i++) expect((await nodes.a.verifier.verify(k.secret)).valid).toBe(true);
  for (let i = 0; i < usesB; i++) expect((await nodes.b.verifier.verify(k.secret)).valid).toBe(true);
  await nodes.a.usage.flush();
  await nodes.b.usage.flush();
  return k.key.id;
}

const stored = async (keyId: string) => (await nodes.a.store.getKey(keyId))!.usageCount;

describe('usage counters through Redis: every node flushes to Redis, one flusher at a time moves them to the store', () => {
  it('counts from both nodes reach the store once, with two flushers racing (only one holds the lock)', async () => {
    const keyId = await keyWithUses(7, 5);
    expect(await stored(keyId)).toBe(0); // in Redis, not yet in the store
    const f1 = new RedisUsageFlusher(await conn(), nodes.a.store, { intervalMs: 0 });
    const f2 = new RedisUsageFlusher(await conn(), nodes.b.store, { intervalMs: 0 });
    const held = await Promise.all([f1.flush(), f2.flush()]);
    expect(held.filter(Boolean)).toHaveLength(1);
    expect(await stored(keyId)).toBe(12);
    expect((await nodes.a.store.getKey(keyId))!.lastUsedAtMs).toBeGreaterThan(Date.now() - 60_000);
    expect(await f1.flush()).toBe(true); // nothing left: writes nothing more
    expect(await stored(keyId)).toBe(12);
  });

  it('a failed store write keeps the batch in Redis; the next rounds write it and the counts made meanwhile, each once', async () => {
    const app = await nodes.a.apps.create({ name: 'f' }, CLI);
    const k = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'flaky' }, CLI);
    const use = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await nodes.b.verifier.verify(k.secret)).valid).toBe(true);
      await nodes.b.usage.flush();
    };
    await use(3);
    let fail = true;
    const flaky = {
      addUsage: async (d: readonly UsageDelta[]) => {
        if (fail) throw new Error('store down');
        await nodes.a.store.addUsage(d);
      },
    };
    const f = new RedisUsageFlusher(await conn(), flaky, { intervalMs: 0 });
    await expect(f.flush()).rejects.toThrow('store down');
    expect(await stored(k.key.id)).toBe(0);
    await use(2); // a new batch, while the failed one waits in staging
    fail = false;
    expect(await f.flush()).toBe(true);
    expect(await stored(k.key.id)).toBe(3);
    expect(await f.flush()).toBe(true);
    expect(await stored(k.key.id)).toBe(5);
    expect(await f.flush()).toBe(true);
    expect(await stored(k.key.id)).toBe(5);
  });
});
