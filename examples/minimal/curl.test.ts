import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Runs the curl walkthrough of examples/minimal/README.md as written (only its ports are swapped
 * for free ones) and compares what it prints with the output the README shows.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const data = mkdtempSync(path.join(tmpdir(), 'kw-minimal-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

export function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Runs a shell script in its own process group (so background jobs die with it); resolves with its output. */
export function runScript(script: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: root, env: { ...process.env, ...env }, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      kill(); // anything the script left running in the background
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples/minimal with curl', () => {
  it('prints what its README says', async () => {
    const readme = readFileSync(path.join(here, 'README.md'), 'utf8');
    const [script] = blocks(readme, 'sh');
    const [expected] = blocks(readme, 'text');
    const ports = { 8787: await freePort(), 8788: await freePort(), 3000: await freePort() };
    const withPorts = script!.replace(/\b(8787|8788|3000)\b/g, (p) => String(ports[Number(p) as keyof typeof ports]));
    const env = { KEYWARD_DATA: data, KEYWARD_MASTER_KEYS: '', KEYWARD_LOG_LEVEL: 'warn', KEYWARD_HOST: '', KEYWARD_PORT: '' };
    const r = await runScript(withPorts, env, 150_000);
    expect(r.stdout, r.stderr).toBe(expected);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});
