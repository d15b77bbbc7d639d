import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shipped `keyward` binary (bin/keyward.js runs dist/, which the test global set-up builds). */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the exit: no shutdown hook runs. */
  kill(): Promise<void>;
}

/**
 * Starts `keyward start --port 0` as its own process, as an operator would, and resolves with its
 * address once it listens. Callers stop or kill it in afterAll.
 */
export async function startNode(env: Record<string, string>, args: readonly string[] = []): Promise<NodeProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', ...args], {
    env: { ...process.env, KEYWARD_HOST: '', KEYWARD_LOG_FORMAT: 'json', KEYWARD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`keyward start did not listen: ${out}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`keyward start exited with ${code}: ${out}`));
    });
    const check = () => {
      const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      } else setTimeout(check, 25);
    };
    check();
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, base: `http://127.0.0.1:${port}`, output: () => out, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
