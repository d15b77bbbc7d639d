import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Measure } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Starts a bench server script in its own process (so the load generator does not share its event loop). */
export async function startServer<T extends { address: string }>(script: string, env: Record<string, string> = {}): Promise<{ info: T; child: ChildProcess }> {
  const child = fork(path.join(here, 'servers', script), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const info = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { info, child };
}

/** autocannon on loopback: bounded in time, loopback only. */
export async function load(options: { url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections: number; durationSeconds: number }): Promise<Measure> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    connections: options.connections,
    duration: options.durationSeconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load against ${options.url} had ${result.non2xx} non-2xx and ${result.errors} errors`);
  return { opsPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}
