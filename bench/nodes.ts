/**
 * Real `keyward start` processes for the node-level benchmarks (pg-redis-node, scale-out, memory):
 * the built CLI run by plain `node`, as an operator runs it, on SQLite (a temp data directory) or
 * on PostgreSQL (a database of its own on the local server) with Redis (a key prefix of its own).
 * Also the per-process figures those rows report, read from /proc so that the measured process
 * does no work to report them: CPU time and resident size.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { request } from 'undici';
import { runCli, spawnServing, type ClusterProcess } from '../packages/server/test/cluster/launch.js';
import { BIN } from '../packages/server/test/gateway/process.js';
import type { Measure } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PG_URL = process.env.KEYWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function requireBuild(): void {
  if (!existsSync(path.join(here, '../packages/server/dist/cli/main.js'))) throw new Error('this bench runs the built CLI: `npm run build` (or `npx tsx scripts/build.ts --js server`) first');
}

/** PG_URL with its database replaced. */
export function databaseUrl(database: string): string {
  const u = new URL(PG_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` on a client of the server's maintenance database (for CREATE/DROP DATABASE). */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database that did not exist before, for one run; `drop()` removes it. */
export async function freshDatabase(prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  return { name, url: databaseUrl(name), drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

/** The environment of a bench node: only what the row names, nothing inherited from the caller's KEYWARD_* variables. */
function nodeEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('KEYWARD_')) env[k] = v;
  // info logs every request: under load that is most of the CPU, on every backend alike.
  return { ...env, KEYWARD_LOG_LEVEL: 'warn', KEYWARD_LOG_FORMAT: 'json', ...extra };
}

export interface BenchNode {
  readonly label: string;
  readonly process: ClusterProcess;
  readonly root: string;
  readonly env: Record<string, string>;
  /** POST a JSON body with the root key; the parsed answer. */
  call(urlPath: string, body: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export type NodeBackend =
  | { readonly kind: 'sqlite' }
  | { readonly kind: 'postgres'; readonly url: string; readonly redisKeyPrefix?: string; readonly masterKeys?: string };

/**
 * `keyward init` then `keyward start`. On PostgreSQL the node gets Redis with its own key prefix
 * unless `redisKeyPrefix` is '' (no Redis); with `masterKeys` the store may exist already (a kept
 * bench dataset), and init issues a new root key for this run. Extra KEYWARD_* settings in `settings`.
 */
export async function startNode(label: string, backend: NodeBackend, settings: Record<string, string> = {}): Promise<BenchNode> {
  requireBuild();
  let dataDir: string | undefined;
  let env: Record<string, string>;
  if (backend.kind === 'sqlite') {
    dataDir = mkdtempSync(path.join(tmpdir(), 'kw-bench-node-'));
    env = nodeEnv({ KEYWARD_DATA: dataDir, ...settings });
  } else {
    const redis: Record<string, string> = backend.redisKeyPrefix === '' ? {} : { KEYWARD_REDIS_URL: REDIS_URL, KEYWARD_REDIS_KEY_PREFIX: backend.redisKeyPrefix ?? `kwb-${randomBytes(6).toString('hex')}` };
    env = nodeEnv({ KEYWARD_DATABASE_URL: backend.url, KEYWARD_MASTER_KEYS: backend.masterKeys ?? `m1:${randomBytes(32).toString('base64')}`, ...redis, ...settings });
  }
  const existing = backend.kind === 'postgres' && backend.masterKeys !== undefined;
  const { stdout } = await runCli(process.execPath, [BIN, 'init', ...(existing ? ['--new-root-key'] : []), '--json'], { env, timeout: 120_000 });
  const root = (JSON.parse(stdout) as { rootKey: string }).rootKey;
  const proc = await spawnServing(label, ['start'], env, '/readyz');
  return nodeOn(label, proc, root, env, async () => {
    await proc.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
}

/** Another `keyward start` on the same store as `node` (same environment, so same database, Redis prefix and master keys). */
export async function startPeer(label: string, node: BenchNode): Promise<BenchNode> {
  const proc = await spawnServing(label, ['start'], node.env, '/readyz');
  return nodeOn(label, proc, node.root, node.env, () => proc.stop());
}

function nodeOn(label: string, proc: ClusterProcess, root: string, env: Record<string, string>, stop: () => Promise<void>): BenchNode {
  return {
    label,
    process: proc,
    root,
    env,
    async call(urlPath, body) {
      const res = await request(`${proc.base}${urlPath}`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify(body), headersTimeout: 60_000, bodyTimeout: 60_000 });
      const answer = (await res.body.json()) as Record<string, unknown>;
      if (res.statusCode >= 300) throw new Error(`${label} ${urlPath}: ${res.statusCode} ${JSON.stringify(answer)}`);
      return answer;
    },
    stop,
  };
}

/** An app and one live secret key on `node`; the key's plaintext. */
export async function makeKey(node: BenchNode, settings: Record<string, unknown> = {}): Promise<{ appId: string; keyId: string; secret: string }> {
  const app = (await node.call('/v1/apps', { name: 'bench' })) as { id: string };
  const r = (await node.call(`/v1/apps/${app.id}/keys`, { kind: 'secret', environment: 'live', name: 'k', ...settings })) as { key: { id: string }; secret: string };
  return { appId: app.id, keyId: r.key.id, secret: r.secret };
}

const CLK_TCK = 100; // Linux's USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s on every architecture Node runs on

/** User + system CPU time of a process so far, µs (10 ms resolution). */
export function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // field 3 onwards; the command name may hold spaces
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLK_TCK; // utime, stime: fields 14 and 15
}

/** Context switches of a process so far: voluntary (it waited: for the network, an event) and involuntary (the scheduler took the core away). */
export function procContextSwitches(pid: number): { voluntary: number; involuntary: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { voluntary: get('voluntary_ctxt_switches'), involuntary: get('nonvoluntary_ctxt_switches') };
}

/** Resident set size of a process, bytes. */
export function procRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU time of every process of the local PostgreSQL server, µs (backends included), for "who used the cores" figures. */
export function postgresCpuMicros(): number {
  let total = 0;
  for (const pid of pidsNamed('postgres')) {
    try {
      total += procCpuMicros(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export interface LoadSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
}

/**
 * autocannon in a process of its own (its CLI, JSON result on stdout), so the load generator does
 * not share the bench's event loop; several run in parallel for several targets. `workers` > 0
 * gives it that many worker threads.
 */
export async function loadInChild(spec: LoadSpec, durationSeconds: number, workers = 0): Promise<Measure & { readonly generatorCpuMicros: number }> {
  const bin = path.join(here, '../node_modules/autocannon/autocannon.js');
  const args = [bin, '-j', '-c', String(spec.connections), '-d', String(durationSeconds), '-m', 'POST', '-b', spec.body];
  for (const [k, v] of Object.entries(spec.headers)) args.push('-H', `${k}=${v}`);
  if (workers > 0) args.push('-w', String(workers));
  args.push(spec.url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  // Its CPU time, sampled until it exits (a process's /proc entry goes with it): under-counts by at most one sample.
  let generatorCpuMicros = 0;
  const sample = setInterval(() => {
    try {
      generatorCpuMicros = procCpuMicros(child.pid!);
    } catch {
      /* exiting */
    }
  }, 100);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearInterval(sample);
  if (code !== 0) throw new Error(`autocannon exited ${code}: ${err.slice(-2000)}`);
  const result = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load against ${spec.url} had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return { opsPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, generatorCpuMicros };
}

/** The machine's CPU time so far, µs summed over cores: busy (user, nice, system, irq, softirq), idle (idle, iowait) and steal (taken by the hypervisor for other guests). */
export function machineCpuMicros(): { busy: number; idle: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const us = (ticks: number) => (ticks * 1_000_000) / CLK_TCK;
  return { busy: us(f[0]! + f[1]! + f[2]! + f[5]! + f[6]!), idle: us(f[3]! + f[4]!), steal: us(f[7] ?? 0) };
}
