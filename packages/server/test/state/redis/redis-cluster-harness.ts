import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateRedisCluster {
  /** The masters' client ports. */
  readonly ports: readonly number[];
  /** `redis://127.0.0.1:<first port>`: the URL the client is given (the first seed). */
  readonly url: string;
  /** The other masters as `host:port` (KEYWARD_REDIS_CLUSTER_NODES). */
  readonly seeds: readonly string[];
  /** `redis-cli -p PORT …` on one node (to look at a node's own keys, for example). */
  cli(port: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of three masters and no replicas, on the given client ports (the cluster
 * bus on `busPorts`, so every port stays in the caller's range): each `redis-server
 * --cluster-enabled yes` in a temp directory with its own node file and no persistence, joined by
 * `redis-cli --cluster create … --cluster-yes` (which assigns the 16384 slots evenly), and
 * returned once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(ports: readonly [number, number, number], busPorts: readonly [number, number, number]): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-redis-cluster-'));
  const children: ChildProcess[] = [];
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 })).stdout;
  const stop = async () => {
    await Promise.all(
      children.splice(0).map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ports.forEach((port, i) => {
      const args = ['--port', String(port), '--cluster-port', String(busPorts[i]), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', dir];
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    });
    for (const port of ports) await until(async () => (await cli(port, 'PING').catch(() => '')).trim() === 'PONG', `redis-server on ${port} did not start`);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
    for (const port of ports) await until(async () => (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), `cluster node ${port} did not reach cluster_state:ok`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, url: `redis://127.0.0.1:${ports[0]}`, seeds: ports.slice(1).map((p) => `127.0.0.1:${p}`), cli, stop };
}

async function until(check: () => Promise<boolean>, message: string, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}
