import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

/**
 * Runs the CLI's `main` in this process (no tsx start-up per call), capturing what it writes to
 * stdout and stderr and the exit code it sets. The same code path as the `keyward` binary; the
 * spawned tests (cli.test.ts, bad-input.test.ts) cover the binary itself.
 */
export async function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const savedExit = process.exitCode;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  process.exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await main(args);
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = savedExit;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The `{ error }` document of a `--json` run. */
export const errorOf = (stderr: string): { code: string; detail: string; errors?: { flag: string; message: string }[] } => (JSON.parse(stderr.trim().split('\n').pop()!) as { error: { code: string; detail: string } }).error;

/** Every key of a JSON value, however deep. */
export function keysDeep(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keysDeep(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysDeep(v, out);
    }
  }
  return out;
}

/** The real `keyward` binary as a child process on `dir`, with `input` on its stdin (for commands that read secrets or keys there). */
export function spawnCli(dir: string, args: readonly string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
    const child = spawn(process.execPath, [bin, '--data', dir, ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}
