import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { connectRedis, type RedisConnection } from '../../../src/state/redis/connect.js';

/** A free loopback port (bound and released; the private server takes it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Starts (again) on the same port; resolves when it answers. */
  start(): Promise<void>;
  /** Stops it (SIGKILL: nothing is saved anyway) and waits for the exit. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that accepts connections but never answers. */
  pause(): void;
  resume(): void;
}

const running = new Set<PrivateRedis>();
const connections: RedisConnection[] = [];
afterAll(async () => {
  for (const c of connections.splice(0)) await c.close();
  for (const r of running) await r.stop();
});

/**
 * A private `redis-server --port N --save ''` for one test file, so tests neither see nor touch
 * the shared Redis. `args` add server options (a password, renamed commands); `fixedPort` puts it
 * on a port of the test's own range instead of one the OS picks. Stopped after the file.
 */
export async function privateRedis(args: readonly string[] = [], password?: string, fixedPort?: number): Promise<PrivateRedis> {
  const port = fixedPort ?? (await freePort());
  let child: ChildProcess | undefined;
  const r: PrivateRedis = {
    port,
    url: `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : []), ...args], { stdio: 'ignore' });
      running.add(r);
      await waitFor(async () => {
        return new Promise<boolean>((resolve) => {
          const sock = connect(port, '127.0.0.1', () => {
            sock.end();
            resolve(true);
          });
          sock.once('error', () => resolve(false));
        });
      });
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      const c = child;
      child = undefined;
      running.delete(r);
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
        c.kill('SIGCONT'); // a paused server dies only once it runs again
      });
    },
  };
  await r.start();
  return r;
}

async function waitFor(check: () => Promise<boolean>, withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** A connection with a random key prefix, closed after the file. */
export async function connection(redis: PrivateRedis, overrides: { commandTimeoutMs?: number } = {}): Promise<RedisConnection> {
  const conn = await connectRedis({ url: redis.url, commandTimeoutMs: overrides.commandTimeoutMs ?? 1_000, connectTimeoutMs: 1_000, keyPrefix: `t${randomBytes(4).toString('hex')}` });
  connections.push(conn);
  return conn;
}
