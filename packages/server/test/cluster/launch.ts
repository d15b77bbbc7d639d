import { createHash } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { request } from 'undici';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { BIN } from '../gateway/process.js';

/**
 * Starting real Keyward processes for multi-node runs, shared by the cluster tests (harness.ts)
 * and the cluster benchmark (bench/cases/cluster.bench.ts). No test-runner imports here.
 */

export const runCli = promisify(execFile);

/** The local Redis the shared-state suites use (override with KEYWARD_TEST_REDIS_URL). */
export const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The environment every process of a test cluster gets, in one place: the shared PostgreSQL
 * schema, one set of master keys, quiet logs, and Redis once the configuration knows it
 * (`redisUrl`, from the Redis branch): the harness then passes KEYWARD_REDIS_URL without change.
 */
export function clusterEnv(databaseUrl: string, masterKeys: string): Record<string, string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    KEYWARD_DATABASE_URL: databaseUrl,
    KEYWARD_MASTER_KEYS: masterKeys,
    KEYWARD_HOST: '',
    KEYWARD_LOG_LEVEL: 'warn', // info logs every request: under a load test that is most of the CPU
    KEYWARD_LOG_FORMAT: 'json',
    KEYWARD_GATEWAY_ADMIN_PORT: '',
  };
  if ('redisUrl' in DEFAULT_CONFIG) {
    env.KEYWARD_REDIS_URL = REDIS_URL;
    // One Redis serves every test cluster (and CI's other suites): each cluster gets its own key
    // prefix, as separate deployments sharing a Redis must, so no lock or counter is shared.
    env.KEYWARD_REDIS_KEY_PREFIX = `kwt-${createHash('sha256').update(databaseUrl).digest('hex').slice(0, 12)}`;
  }
  else delete env.KEYWARD_REDIS_URL;
  return env;
}

/** A port nobody listens on now (the OS's pick); the caller retries if another process takes it first. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export interface ClusterProcess {
  readonly name: string;
  readonly base: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `keyward …args --port N` until one binds (a port can be taken between pick and bind), then waits for `ready`. */
export async function spawnServing(name: string, args: string[], env: Record<string, string>, readyPath: string, ready: (status: number) => boolean = (s) => s === 200): Promise<ClusterProcess> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, ...args, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (c: Buffer) => {
      out = (out + c.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 45_000;
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      try {
        const res = await request(`${base}${readyPath}`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        await res.body.dump();
        up = ready(res.statusCode);
      } catch {
        /* not listening yet */
      }
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    const stop = () => stopChild(child);
    if (up) return { name, base, child, output: () => out, stop };
    await stop();
    if (attempt < 3 && /EADDRINUSE/.test(out)) continue;
    throw new Error(`${name} did not start:\n${out}`);
  }
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

