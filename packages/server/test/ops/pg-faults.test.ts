import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-in-process.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startNode, type NodeProcess } from '../support/node-process.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-pg.js';

/**
 * PostgreSQL going away under a running node (#11 faults): a private cluster the test may stop,
 * behind the fault proxy for delays, black holes and resets. Real time, so bounds carry margins;
 * the numbers are the configured ones below.
 */
const CACHE_TTL_MS = 3000;
const STATEMENT_TIMEOUT_MS = 800;
const CONNECT_TIMEOUT_MS = 800;
/** Longest any request may take while the database misbehaves: one statement plus one connect timeout, and slack for a loaded machine. */
const BOUND_MS = STATEMENT_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 1500;
const MASTER = `m1:${randomBytes(32).toString('base64')}`;

let pgc: PrivatePostgres;
let proxy: FaultProxy;
let node: NodeProcess;
let root: string;
let appId: string;
let warm: string;
let cold: string;

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--json'], { KEYWARD_DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`, KEYWARD_MASTER_KEYS: MASTER });
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function timed(path: string, body: unknown): Promise<{ status: number; code?: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${node.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const json = (await res.json()) as { code?: string };
  return { status: res.status, ...(json.code ? { code: json.code } : {}), ms: performance.now() - t0 };
}
const verify = (key: string) => timed('/v1/keys/verify', { key });
const mutate = () => timed(`/v1/apps/${appId}/keys`, { kind: 'secret', environment: 'live', name: 'during-fault' });

/** Retries a mutation until the node writes again (after the database came back). */
async function recovered(): Promise<void> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    if ((await mutate()).status === 201) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the node did not write again within 15 s of the database returning');
}

beforeAll(async () => {
  pgc = await startPrivatePostgres();
  proxy = await startFaultProxy({ host: '127.0.0.1', port: pgc.port });
  root = String((await cli('init')).rootKey);
  appId = String((await cli('apps', 'create', 'faults')).id);
  warm = String((await cli('keys', 'create', '--app', appId, '--kind', 'secret', '--env', 'live', '--name', 'warm')).secret);
  cold = String((await cli('keys', 'create', '--app', appId, '--kind', 'secret', '--env', 'live', '--name', 'cold')).secret);
  node = await startNode({
    KEYWARD_DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    KEYWARD_MASTER_KEYS: MASTER,
    KEYWARD_CACHE_TTL_MS: String(CACHE_TTL_MS),
    KEYWARD_DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    KEYWARD_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    KEYWARD_DATABASE_POOL_SIZE: '4',
  });
}, 60_000);

afterAll(async () => {
  if (process.env.KW_DEBUG) process.stderr.write(node?.output().slice(-4000) ?? '');
  await node?.stop();
  await proxy?.close();
  await pgc?.destroy();
});

describe('PostgreSQL faults under a running node', () => {
  it('PostgreSQL stopped: cached keys verify until the cache maximum age, then fail closed; mutations and uncached keys get 503 STORE_UNAVAILABLE within the bound', async () => {
    expect((await verify(warm)).status).toBe(200);
    const filledAt = performance.now();
    await pgc.stop();
    try {
      expect(await verify(warm)).toMatchObject({ status: 200 });
      const m = await mutate();
      expect(m).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(m.ms).toBeLessThan(BOUND_MS);
      const c = await verify(cold);
      expect(c).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(c.ms).toBeLessThan(BOUND_MS);
      // The warm key keeps verifying until its entry is CACHE_TTL_MS old, and not after.
      let last = await verify(warm);
      while (last.status === 200 && performance.now() - filledAt < CACHE_TTL_MS + BOUND_MS) {
        await new Promise((r) => setTimeout(r, 100));
        last = await verify(warm);
      }
      const failedAfter = performance.now() - filledAt;
      expect(last).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(failedAfter).toBeGreaterThanOrEqual(CACHE_TTL_MS - 100);
      expect(failedAfter).toBeLessThan(CACHE_TTL_MS + BOUND_MS);
    } finally {
      await pgc.start();
    }
    await recovered();
    expect((await verify(warm)).status).toBe(200);
  });

  it('a black hole (packets dropped): mutations fail with 503 within the statement and connect timeouts, cached keys still verify, and the pool recovers', async () => {
    expect((await verify(warm)).status).toBe(200);
    proxy.set({ kind: 'drop' });
    try {
      const results = await Promise.all([mutate(), mutate(), verify(warm)]);
      expect(results[0]).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(results[1]).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      for (const r of results.slice(0, 2)) expect(r.ms).toBeLessThan(BOUND_MS);
      expect(results[2].status).toBe(200);
    } finally {
      proxy.set({ kind: 'pass' });
    }
    await recovered();
  });

  it('connections reset: mutations fail at once with 503, cached keys verify, and the node writes again after', async () => {
    expect((await verify(warm)).status).toBe(200);
    proxy.set({ kind: 'reset' });
    try {
      const m = await mutate();
      expect(m).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(m.ms).toBeLessThan(BOUND_MS);
      expect((await verify(warm)).status).toBe(200);
    } finally {
      proxy.set({ kind: 'pass' });
    }
    await recovered();
  });

  it('a slow network (200 ms per chunk) slows writes but they succeed; a delay beyond the statement bound fails them with 503 instead of hanging', async () => {
    proxy.set({ kind: 'delay', ms: 200 });
    try {
      const slow = await mutate();
      expect(slow.status).toBe(201);
      expect(slow.ms).toBeGreaterThanOrEqual(200);
      proxy.set({ kind: 'delay', ms: STATEMENT_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 500 });
      const stuck = await mutate();
      expect(stuck).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(stuck.ms).toBeLessThan(BOUND_MS + 1000);
    } finally {
      proxy.set({ kind: 'pass' });
    }
    await recovered();
  });
});
