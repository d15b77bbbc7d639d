import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Runs the real `keyward` binary (bin/keyward.js) as a separate process, as an operator would. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const run = promisify(execFile);
const ENV = { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '', KEYWARD_GATEWAY_ADMIN_PORT: '', KEYWARD_LOG_LEVEL: 'debug' };

/** A fresh store with one app and one live secret key, made through the CLI. */
export async function makeStore(): Promise<{ dir: string; appId: string; secret: string; cleanup(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-gwops-'));
  const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, [BIN, '--data', dir, ...args, '--json'], { env: ENV })).stdout) as Record<string, unknown>;
  await cli('init');
  const app = (await cli('apps', 'create', 'gw')) as { id: string };
  const key = (await cli('keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'live', '--name', 'srv')) as { secret: string };
  return { dir, appId: app.id, secret: key.secret, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `keyward gateway …` to completion (for arguments it must refuse): exit code and stderr. */
export async function runGatewayExpectingExit(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [BIN, 'gateway', ...args], { env: { ...ENV, ...env }, timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** The admin listener, when one was asked for. */
  readonly admin: string | undefined;
  /** Every JSON log line so far. */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line (now or later) that `match` accepts. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

export async function startGateway(args: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  return startProcess(['gateway', '--port', '0', ...args], env, 'keyward gateway listening', (l) => `http://127.0.0.1:${String(l.port)}`);
}

/** `keyward start --port 0 …` as a real process; `base` is the address it logged. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  return startProcess(['start', '--port', '0', ...args], env, 'keyward listening', (l) => String(l.address));
}

async function startProcess(argv: string[], env: Record<string, string>, readyMsg: string, baseOf: (line: Record<string, unknown>) => string): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [BIN, ...argv], { env: { ...ENV, ...env } });
  let out = '';
  const lines: Record<string, unknown>[] = [];
  const onData = (c: Buffer) => {
    out += c.toString();
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ raw: line });
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 45_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        const hit = lines.find(match);
        if (hit) return resolve(hit);
        if (child.exitCode !== null || Date.now() - started > timeoutMs) return reject(new Error(`no such log line; got:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
        setTimeout(check, 25);
      };
      check();
    });
  const listening = await waitForLog((l) => l.msg === readyMsg);
  const adminLine = lines.find((l) => typeof l.admin === 'string');
  return {
    child,
    base: baseOf(listening),
    admin: adminLine?.admin as string | undefined,
    logs: () => lines,
    waitForLog,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
