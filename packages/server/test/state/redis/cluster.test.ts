import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from '../../../../client/src/signer.js';
import { authenticate } from '../../../src/credentials/authenticate.js';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { connectRedis, type RedisConnection } from '../../../src/state/redis/connect.js';
import { RedisNonceStore } from '../../../src/state/redis/nonce-store.js';
import { RedisRateLimitStore } from '../../../src/state/redis/ratelimit-store.js';
import { RedisSingleUseStore } from '../../../src/state/redis/single-use-store.js';
import { RedisUsageFlusher } from '../../../src/state/redis/usage.js';
import { CLI } from '../../helpers.js';
import { signedRequest, twoInstances } from '../helpers.js';
import { nonceStoreConformance } from '../nonce-conformance.js';
import { rateLimitStoreConformance } from '../ratelimit-conformance.js';
import { singleUseConformance } from '../single-use-conformance.js';
import { startRedisCluster, type PrivateRedisCluster } from './redis-cluster-harness.js';

/**
 * Redis Cluster (#11): the shared-state conformance suites run against a real three-master
 * cluster on this suite's own ports, through the Cluster client KEYWARD_REDIS_CLUSTER_NODES
 * selects. Every script's keys share a hash tag, so each call runs on one shard; the nonce sets,
 * tagged per signing key, spread over all three.
 */
const PORTS = [7310, 7311, 7312] as const;
const BUS_PORTS = [7320, 7321, 7322] as const;

let cluster: PrivateRedisCluster;
const conns: RedisConnection[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster(PORTS, BUS_PORTS);
}, 90_000);
afterAll(async () => {
  for (const c of conns.splice(0)) await c.close();
  await cluster?.stop();
});

/** A Cluster connection with a fresh key prefix (so every test starts empty). */
async function clusterConnection(prefix = `t${randomBytes(4).toString('hex')}`): Promise<RedisConnection> {
  const c = await connectRedis({ url: cluster.url, clusterNodes: cluster.seeds, commandTimeoutMs: 2_000, connectTimeoutMs: 5_000, keyPrefix: prefix });
  conns.push(c);
  return c;
}

singleUseConformance('redis cluster', async (now) => ({ store: new RedisSingleUseStore(await clusterConnection(), { now }) }));
nonceStoreConformance('redis cluster', async (o) => new RedisNonceStore(await clusterConnection(), o));
rateLimitStoreConformance('redis cluster', async () => new RedisRateLimitStore(await clusterConnection()));

describe('Redis Cluster client', () => {
  it('is a real cluster: the replay cache of many signing keys spreads over all three masters', async () => {
    const prefix = `spread${randomBytes(3).toString('hex')}`;
    const conn = await clusterConnection(prefix);
    expect(conn.client).toBeInstanceOf(Cluster);
    const nonces = new RedisNonceStore(conn, { maxPerKey: 10, now: Date.now });
    for (let i = 0; i < 60; i++) expect(await nonces.checkAndRemember(`sig_${i}`, 'n', Date.now() + 60_000)).toBe('fresh');
    const perNode = await Promise.all(PORTS.map(async (p) => (await cluster.cli(p, '--scan', '--pattern', `{${prefix}:n:*`)).split('\n').filter(Boolean).length));
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(60);
    for (const n of perNode) expect(n).toBeGreaterThan(0);
  });

  it('usage counters flush through the cluster to the store (one tag: the script touches one slot)', async () => {
    const prefix = `u${randomBytes(3).toString('hex')}`;
    const nodes = await twoInstances({ redisUrl: cluster.url, redisClusterNodes: cluster.seeds, redisKeyPrefix: prefix });
    try {
      const app = await nodes.a.apps.create({ name: 'u' }, CLI);
      const k = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'counted' }, CLI);
      for (let i = 0; i < 3; i++) expect((await nodes.a.verifier.verify(k.secret)).valid).toBe(true);
      for (let i = 0; i < 2; i++) expect((await nodes.b.verifier.verify(k.secret)).valid).toBe(true);
      await nodes.a.usage.flush();
      await nodes.b.usage.flush();
      await new RedisUsageFlusher(await clusterConnection(prefix), nodes.a.store, { intervalMs: 0 }).flush();
      expect((await nodes.a.store.getKey(k.key.id))!.usageCount).toBe(5);
    } finally {
      await nodes.close();
    }
  });

  it('two nodes configured with KEYWARD_REDIS_CLUSTER_NODES accept a signed request once and share a key limit', async () => {
    const nodes = await twoInstances({ redisUrl: cluster.url, redisClusterNodes: cluster.seeds, redisKeyPrefix: `t${randomBytes(4).toString('hex')}` });
    try {
      const app = await nodes.a.apps.create({ name: 'c' }, CLI);
      const signing = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
      const req = await signedRequest(createSigner({ keyId: signing.key.id, alg: 'hmac-sha256', key: signing.secret }));
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => authenticate(req, (i % 2 ? nodes.a : nodes.b).credentials)));
      expect(answers.filter((r) => r.valid)).toHaveLength(1);
      expect(new Set(answers.filter((r) => !r.valid).map((r) => (r as { code: string }).code))).toEqual(new Set(['SIGNATURE_REPLAYED']));
      const limited = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'limited', ratelimit: { rate: 5, windowSeconds: 3600, burst: 5 } }, CLI);
      const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? nodes.a : nodes.b).verifier.verify(limited.secret)));
      expect(verdicts.filter((d) => d.valid)).toHaveLength(5);
      expect(new Set(verdicts.filter((d) => !d.valid).map((d) => d.code))).toEqual(new Set(['RATE_LIMITED']));
    } finally {
      await nodes.close();
    }
  });
});

describe('KEYWARD_REDIS_CLUSTER_NODES configuration', () => {
  it('is a list of host:port seeds, needs KEYWARD_REDIS_URL, and refuses a database other than 0', () => {
    expect(loadConfig({}, { KEYWARD_REDIS_URL: 'redis://10.0.0.1:6379', KEYWARD_REDIS_CLUSTER_NODES: '10.0.0.2:6379, 10.0.0.3:6380' }).redisClusterNodes).toEqual(['10.0.0.2:6379', '10.0.0.3:6380']);
    const refused = (env: Record<string, string>) => expect(() => loadConfig({}, env)).toThrow(ConfigError);
    refused({ KEYWARD_REDIS_CLUSTER_NODES: '10.0.0.2:6379' }); // no URL: no credentials, no first seed
    refused({ KEYWARD_REDIS_URL: 'redis://10.0.0.1:6379', KEYWARD_REDIS_CLUSTER_NODES: '10.0.0.2' }); // no port
    refused({ KEYWARD_REDIS_URL: 'redis://10.0.0.1:6379/2', KEYWARD_REDIS_CLUSTER_NODES: '10.0.0.2:6379' }); // a Cluster has only db 0
  });
});
