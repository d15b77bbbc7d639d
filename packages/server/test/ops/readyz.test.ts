import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { createKeyward } from '../../src/keyward.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { eventually } from '../state/helpers.js';
import { privateRedis } from '../state/redis/redis-harness.js';
import { freshSchema } from '../store/pg-harness.js';
import { startFaultProxy } from '../support/fault-proxy.js';

/**
 * /readyz reflects every dependency a node needs (#11): the store always, Redis when
 * KEYWARD_REDIS_URL is set. Each one is taken away for real: a private redis-server on this
 * suite's own port is stopped and started again, and the PostgreSQL connection runs through the
 * fault proxy (on this suite's own port) in front of the shared server.
 */
const REDIS_PORT = 7301;
const PG_PROXY_PORT = 7302;
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function readyz(server: Awaited<ReturnType<typeof buildServer>>): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await server.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, text: res.body };
}

const failing = (body: Record<string, unknown>) => ((body.errors ?? []) as { pointer: string }[]).map((e) => e.pointer).sort();

describe('/readyz', () => {
  it('with Redis configured: not ready (NOT_READY naming /dependencies/redis, no password) while Redis is down, ready again when it returns', async () => {
    const redis = await privateRedis([], PASSWORD, REDIS_PORT);
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-readyz-'));
    const kw = await createKeyward({
      config: { dataDir: dir, redisUrl: redis.url, redisKeyPrefix: `t${randomBytes(4).toString('hex')}`, redisCommandTimeoutMs: 300, redisConnectTimeoutMs: 500, changePollIntervalMs: 0, usageFlushIntervalMs: 0, logLevel: 'silent' },
    });
    const server = await buildServer(kw);
    cleanups.push(async () => {
      await server.close();
      await kw.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    expect(await readyz(server)).toMatchObject({ status: 200, body: { status: 'ready', store: 'sqlite', redis: 'ready' } });

    await redis.stop();
    const down = await readyz(server);
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('NOT_READY');
    expect(failing(down.body)).toEqual(['/dependencies/redis']); // the store still answers: only Redis is named
    expect(down.text).not.toContain(PASSWORD);
    expect(down.text).not.toContain(String(REDIS_PORT)); // no address either

    await redis.start();
    // The client reconnects at most 1 s apart (state/redis/connect.ts); generous for a loaded machine.
    expect(await eventually(async () => (await readyz(server)).status === 200, 15_000)).toBe(true);
    expect((await readyz(server)).body).toMatchObject({ status: 'ready', redis: 'ready' });
  }, 60_000);

  it('without Redis configured, readiness is the store alone (no redis field)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-readyz-'));
    const kw = await createKeyward({ config: { dataDir: dir, changePollIntervalMs: 0, usageFlushIntervalMs: 0, logLevel: 'silent' } });
    const server = await buildServer(kw);
    cleanups.push(async () => {
      await server.close();
      await kw.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const r = await readyz(server);
    expect(r).toMatchObject({ status: 200, body: { status: 'ready', store: 'sqlite' } });
    expect(r.body).not.toHaveProperty('redis');
  });

  it('on PostgreSQL: not ready (NOT_READY naming /dependencies/store) while the database cannot be reached, ready again after', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: 5432 }, PG_PROXY_PORT);
    const schema = await freshSchema();
    const store = openPostgresStore({ url: `postgres://postgres@127.0.0.1:${PG_PROXY_PORT}/test`, poolSize: 2, schema, connectTimeoutMs: 500, statementTimeoutMs: 500 });
    const kw = await createKeyward({ store, config: { changePollIntervalMs: 0, usageFlushIntervalMs: 0, logLevel: 'silent' }, watchChanges: false });
    const server = await buildServer(kw);
    cleanups.push(async () => {
      await server.close();
      await kw.close();
      await proxy.close();
    });

    expect(await readyz(server)).toMatchObject({ status: 200, body: { status: 'ready', store: 'postgres' } });

    proxy.set({ kind: 'reset' }); // every open connection reset, every new one refused
    const t0 = performance.now();
    const down = await readyz(server);
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('NOT_READY');
    expect(failing(down.body)).toEqual(['/dependencies/store']);
    expect(performance.now() - t0).toBeLessThan(10_000); // bounded (READY_CHECK_TIMEOUT_MS and the connect timeout), never hanging

    proxy.set({ kind: 'pass' });
    expect(await eventually(async () => (await readyz(server)).status === 200, 15_000)).toBe(true);
  }, 60_000);
});
