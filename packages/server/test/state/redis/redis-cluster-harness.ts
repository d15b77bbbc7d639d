import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Private `redis-server` processes started by a test, on ports of its own range. */
export interface PrivateRedisServers {
  /** The client ports. */
  readonly ports: readonly number[];
  /** `redis-cli -p PORT …` on one server (to look at a node's own keys, or to change its slots). */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Kills one server with SIGKILL (a node that dies); the others keep running. */
  stopNode(port: number): Promise<void>;
  /** Kills every server and removes their directory. */
  stop(): Promise<void>;
}

export interface PrivateRedisCluster extends PrivateRedisServers {
  /** `redis://127.0.0.1:<first port>`: the URL the client is given (the first seed). */
  readonly url: string;
  /** The other masters as `host:port` (KEYWARD_REDIS_CLUSTER_NODES). */
  readonly seeds: readonly string[];
}

/**
 * `redis-server` on each port, bound to 127.0.0.1, in a temp directory with no persistence,
 * returned once each answers PING. With `clusterBusPorts` (one per port, so every port stays in
 * the caller's range) each runs `--cluster-enabled yes` with its own node file and owns no slot
 * yet; without, each is a standalone Redis.
 */
export async function startRedisServers(ports: readonly number[], options: { clusterBusPorts?: readonly number[] } = {}): Promise<PrivateRedisServers> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-redis-'));
  const children = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 })).stdout;
  const kill = (c: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  const stopNode = async (port: number) => {
    const c = children.get(port);
    children.delete(port);
    if (c) await kill(c);
  };
  const stop = async () => {
    await Promise.all([...children.keys()].map(stopNode));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ports.forEach((port, i) => {
      const bus = options.clusterBusPorts?.[i];
      const cluster = bus === undefined ? [] : ['--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000'];
      const args = ['--port', String(port), '--bind', '127.0.0.1', ...cluster, '--save', '', '--appendonly', 'no', '--dir', dir];
      children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    });
    for (const port of ports) await until(async () => (await cli(port, 'PING').catch(() => '')).trim() === 'PONG', `redis-server on ${port} did not start`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, cli, stopNode, stop };
}

/**
 * A real Redis Cluster of three masters and no replicas, on the given client ports (the cluster
 * bus on `busPorts`): three cluster-enabled servers joined by `redis-cli --cluster create …
 * --cluster-yes` (which assigns the 16384 slots evenly), returned once every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(ports: readonly [number, number, number], busPorts: readonly [number, number, number]): Promise<PrivateRedisCluster> {
  const servers = await startRedisServers(ports, { clusterBusPorts: busPorts });
  try {
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
    for (const port of ports) await until(async () => (await servers.cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), `cluster node ${port} did not reach cluster_state:ok`);
  } catch (err) {
    await servers.stop();
    throw err;
  }
  return { ...servers, url: `redis://127.0.0.1:${ports[0]}`, seeds: ports.slice(1).map((p) => `127.0.0.1:${p}`) };
}

export async function until(check: () => Promise<boolean>, message: string, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}
