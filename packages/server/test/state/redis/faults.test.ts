import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createSigner } from '../../../../client/src/signer.js';
import { buildServer } from '../../../src/http/server.js';
import { createKeyward, type Keyward } from '../../../src/keyward.js';
import { createLogger } from '../../../src/observability/logger.js';
import { bearer, CLI } from '../../helpers.js';
import { privateRedis, type PrivateRedis } from './redis-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * One node on a private SQLite file and a private redis-server, served over HTTP (Fastify's
 * inject: the whole public pipeline without a socket), with its log lines captured.
 */
async function node(config: Record<string, unknown> = {}): Promise<{ kw: Keyward; redis: PrivateRedis; logs: Record<string, unknown>[]; post: (body: unknown) => Promise<{ status: number; json: Record<string, unknown>; ms: number }>; appId: string }> {
  const redis = await privateRedis();
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-redis-fault-'));
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const kw = await createKeyward({
    config: { dataDir: dir, redisUrl: redis.url, redisKeyPrefix: `t${randomBytes(4).toString('hex')}`, redisCommandTimeoutMs: 200, redisConnectTimeoutMs: 500, changePollIntervalMs: 0, usageFlushIntervalMs: 0, ...config },
    logger: createLogger('info', sink),
  });
  const server = await buildServer(kw);
  const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  const app = await kw.apps.create({ name: 'demo' }, CLI);
  cleanups.push(async () => {
    await server.close();
    await kw.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = async (payload: unknown) => {
    const t = performance.now();
    const res = await server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(root), payload: payload as Record<string, unknown> });
    return { status: res.statusCode, json: res.json() as Record<string, unknown>, ms: performance.now() - t };
  };
  return { kw, redis, logs, post, appId: app.id };
}

/** A freshly signed request for POST /v1/verify (a new nonce each time). */
async function signedBody(signer: ReturnType<typeof createSigner>) {
  const url = new URL('https://api.example.com/orders');
  const signed = await signer.sign({ method: 'GET', url, headers: new Headers() }, Math.floor(Date.now() / 1000));
  return { request: { method: 'GET', target: '/orders', headers: [['Host', 'api.example.com'], ...Object.entries(signed)] } };
}

describe('Redis stopped: nonce checks and single-use takes fail closed, in bounded time', () => {
  it('a signed request at POST /v1/verify is 503 SHARED_STATE_UNAVAILABLE, never accepted, while Redis is down or hung', async () => {
    const { kw, redis, post, appId } = await node();
    const k = await kw.keys.create({ appId, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const signer = createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: k.secret });
    const before = await post(await signedBody(signer));
    expect(before).toMatchObject({ status: 200, json: { valid: true, code: 'VALID' } });

    redis.pause(); // accepts connections, never answers: only the command timeout ends the wait
    const hung = await post(await signedBody(signer));
    expect(hung.status).toBe(503);
    expect(hung.json).toMatchObject({ code: 'SHARED_STATE_UNAVAILABLE' });
    expect(hung.ms).toBeLessThan(2_000); // 200 ms command timeout, plus a loaded machine's slack

    await redis.stop();
    const answers = await Promise.all(Array.from({ length: 20 }, async () => post(await signedBody(signer))));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.json).toMatchObject({ code: 'SHARED_STATE_UNAVAILABLE' });
      expect(a.ms).toBeLessThan(2_000);
    }
  });

  it('single-use takes and puts throw SHARED_STATE_UNAVAILABLE (never "no such key", never a value)', async () => {
    const { kw, redis } = await node();
    await kw.singleUse.put('challenge-1', 'c', 60_000);
    await redis.stop();
    await expect(kw.singleUse.take('challenge-1')).rejects.toMatchObject({ code: 'SHARED_STATE_UNAVAILABLE' });
    await expect(kw.singleUse.put('challenge-2', 'c', 60_000)).rejects.toMatchObject({ code: 'SHARED_STATE_UNAVAILABLE' });
  });
});

describe('Redis stopped, limits: each node falls back to its share, and shared limits resume after Redis returns', () => {
  const gauge = async (kw: Keyward) => (await kw.metrics.registry.getSingleMetric('keyward_shared_state_degraded')!.get()).values.find((v) => v.labels.state === 'limits')?.value;
  const fallbacks = async (kw: Keyward) => (await kw.metrics.registry.getSingleMetric('keyward_shared_state_fallback_decisions_total')!.get()).values.find((v) => v.labels.state === 'limits')?.value ?? 0;

  it('1/clusterNodes of the limit while down, one log line per transition, the metric set; shared again within 5 s of Redis returning', async () => {
    const { kw, redis, logs, post, appId } = await node({ clusterNodes: 2 });
    const limited = (burst: number) => kw.keys.create({ appId, environment: 'live', kind: 'secret', name: `l${burst}`, ratelimit: { rate: burst, windowSeconds: 3600, burst } }, CLI);
    const codes = async (secret: string, n: number) => {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push((await post({ credential: secret })).json.code);
      return out;
    };
    const shared = await limited(4);
    expect(await codes(shared.secret, 5)).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
    expect(await gauge(kw)).toBe(0);

    await redis.stop();
    const k = await limited(4);
    // This node's share of 4 with 2 nodes is 2; nothing fails and nothing hangs.
    expect(await codes(k.secret, 4)).toEqual(['VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await gauge(kw)).toBe(1);
    expect(await fallbacks(kw)).toBeGreaterThanOrEqual(4);
    const down = logs.filter((l) => String(l.msg).startsWith('Redis unavailable'));
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ level: 40, clusterNodes: 2 });

    await redis.start();
    const returned = performance.now();
    const probe = await limited(1_000_000);
    while ((await gauge(kw)) !== 0) {
      expect(performance.now() - returned).toBeLessThan(5_000);
      await post({ credential: probe.secret });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(performance.now() - returned).toBeLessThan(5_000);
    expect(logs.filter((l) => String(l.msg).startsWith('Redis answers again'))).toHaveLength(1);
    expect(logs.filter((l) => String(l.msg).startsWith('Redis unavailable'))).toHaveLength(1);
    // Shared again: the whole limit of 3 (a fallback share would be 1.5, so 1 call).
    const after = await limited(3);
    expect(await codes(after.secret, 4)).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
  });

  it('a hung Redis (accepting, never answering): limit decisions still come from the fallback, each in bounded time', async () => {
    const { kw, redis, post, appId } = await node({ clusterNodes: 1 });
    const k = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'h', ratelimit: { rate: 3, windowSeconds: 3600, burst: 3 } }, CLI);
    expect((await post({ credential: k.secret })).json.code).toBe('VALID');
    redis.pause();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post({ credential: k.secret }));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.ms).toBeLessThan(2_000);
    }
    // The fallback starts empty (it never saw the shared state): 3 of the 5, then refusals.
    expect(answers.map((a) => a.json.code)).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await gauge(kw)).toBe(1);
    redis.resume();
  });
});
