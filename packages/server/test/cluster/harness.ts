import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { BIN } from '../gateway/process.js';
import { startUpstream } from '../gateway/upstream.js';
import { freshSchema, PG_URL } from '../store/pg-harness.js';
import { clusterEnv, runCli, spawnServing, type ClusterProcess } from './launch.js';

export { REDIS_URL, clusterEnv } from './launch.js';

export interface Cluster {
  readonly nodes: readonly ClusterProcess[];
  readonly gateway: ClusterProcess | undefined;
  readonly rootKey: string;
  readonly appId: string;
  /** One HTTP client for every call (keep-alive; enough connections for the concurrent tests). */
  readonly http: Agent;
  /** A JSON request to `base` with the root key, answering status, body and the time the answer arrived. */
  call(base: string, method: string, urlPath: string, body?: unknown, auth?: string): Promise<{ status: number; body: Record<string, unknown>; atMs: number }>;
  close(): Promise<void>;
}

/** Generous per-request timeouts: the machine is shared, and a slow answer is measured, never a failure. */
const TIMEOUTS = { headersTimeout: 30_000, bodyTimeout: 30_000 };

/**
 * N real `keyward start` processes (the built CLI) on free loopback ports, sharing a fresh
 * PostgreSQL schema of the local server (so parallel test files never meet), and optionally a
 * `keyward gateway` on the same store in front of a loopback upstream whose access map lets app
 * secret keys GET /orders/{id}. The store is made with `keyward init`; one app is created.
 * `store: 'sqlite'` puts every process on one SQLite file instead; `env` adds variables to all.
 */
export async function startCluster(options: { nodes?: number; gateway?: boolean; env?: Record<string, string>; store?: 'postgres' | 'sqlite' } = {}): Promise<Cluster> {
  const schema = await freshSchema();
  const databaseUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-cluster-'));
  const env = { ...clusterEnv(databaseUrl, `m1:${randomBytes(32).toString('base64')}`), ...options.env };
  if (options.store === 'sqlite') {
    // Every process on one SQLite file (as `keyward start` and `keyward gateway` on one machine).
    delete env.KEYWARD_DATABASE_URL;
    env.KEYWARD_DATA = path.join(dir, 'data');
  }
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => {});
  };
  try {
    const { stdout } = await runCli(process.execPath, [BIN, 'init', '--json'], { env, timeout: 60_000 });
    const rootKey = (JSON.parse(stdout) as { rootKey: string }).rootKey;
    const nodes = await Promise.all(Array.from({ length: options.nodes ?? 3 }, (_, i) => spawnServing(`node${i + 1}`, ['start'], env, '/readyz')));
    for (const n of nodes) cleanups.push(n.stop);
    let gateway: ClusterProcess | undefined;
    if (options.gateway) {
      const upstream = await startUpstream();
      cleanups.push(upstream.close);
      const policy = path.join(dir, 'access.yaml');
      writeFileSync(policy, 'version: 1\nresources:\n  - { path: "/orders/{id}", methods: [GET], allow: [secret] }\n');
      // The gateway's public port has no health path of its own: any HTTP answer means it serves.
      gateway = await spawnServing('gateway', ['gateway', '--upstream', upstream.url, '--policy', policy, '--no-watch-policy'], env, '/', () => true);
      cleanups.push(gateway.stop);
    }
    const http = new Agent({ connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
    cleanups.push(() => http.close());
    const call: Cluster['call'] = async (base, method, urlPath, body, auth = rootKey) => {
      const res = await request(`${base}${urlPath}`, {
        method: method as 'GET',
        dispatcher: http,
        ...TIMEOUTS,
        headers: { authorization: `Bearer ${auth}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.body.text();
      const atMs = performance.now();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { text };
      }
      return { status: res.statusCode, body: parsed, atMs };
    };
    const app = await call(nodes[0]!.base, 'POST', '/v1/apps', { name: 'cluster' });
    if (app.status !== 201) throw new Error(`app create: ${app.status} ${JSON.stringify(app.body)}`);
    return { nodes, gateway, rootKey, appId: app.body.id as string, http, call, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** p50, p99 and max of `values` (nearest rank), in the unit given. */
export function summarize(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(rank(0.5)), p99: r(rank(0.99)), max: r(s[s.length - 1]!) };
}

/** Writes a test's measurements to reports/cluster/NAME.json (the CI keeps reports/ as an artifact). */
export function writeReport(name: string, data: unknown): string {
  const dir = path.resolve(process.env.KEYWARD_REPORT_DIR ?? path.join(BIN, '../../../../reports'), 'cluster');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
