import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isListenHost, loadConfig } from '../../src/config/config.js';
import { VERSION } from '../../src/version.js';

/**
 * Bad configuration stops the CLI with exit 2, one line naming the variable or flag and a code,
 * and creates nothing: no store, no root key "shown once" for a store that then fails to start.
 */
const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, '../../bin/keyward.js');
const base = mkdtempSync(path.join(tmpdir(), 'kw-bad-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '', KEYWARD_PORT: '', ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const errorOf = (stderr: string): { code: string; detail: string } => (JSON.parse(stderr.trim().split('\n').pop()!) as { error: { code: string; detail: string } }).error;
const fresh = (name: string) => path.join(base, name);

describe('keyward CLI: bad input creates nothing', () => {
  it('--version prints the package version', async () => {
    const out = await cli(['--version']);
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe(VERSION);
    const pkg = JSON.parse(readFileSync(path.resolve(here, '../../package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it('a data directory without a store is STORE_NOT_FOUND for every command but init and start, and is not created', async () => {
    const typo = fresh('typo');
    for (const args of [['apps', 'list'], ['keys', 'list', '--app', 'app_0000000000000000000000'], ['audit', 'verify']]) {
      const out = await cli(['--data', typo, ...args, '--json']);
      expect(out.code, args.join(' ')).toBe(2);
      expect(errorOf(out.stderr).code).toBe('STORE_NOT_FOUND');
      expect(existsSync(typo)).toBe(false);
    }
  }, 60_000);

  it('KEYWARD_HOST=999.1.1.1 stops start before any store or root key exists', async () => {
    const dir = fresh('host');
    const out = await cli(['start', '--data', dir, '--json'], { KEYWARD_HOST: '999.1.1.1' });
    expect(out.code).toBe(2);
    expect(errorOf(out.stderr)).toMatchObject({ code: 'CONFIG_INVALID', detail: expect.stringContaining('KEYWARD_HOST') });
    expect(out.stderr).not.toContain('kw_root_');
    expect(existsSync(dir)).toBe(false);
  }, 30_000);

  it('a malformed KEYWARD_MASTER_KEYS is CONFIG_INVALID naming the variable, before any store exists', async () => {
    for (const bad of ['nocolon', 'm1:c2hvcnQ=']) {
      const dir = fresh(`mk-${bad.length}`);
      const out = await cli(['init', '--data', dir, '--json'], { KEYWARD_MASTER_KEYS: bad });
      expect(out.code).toBe(2);
      expect(errorOf(out.stderr)).toMatchObject({ code: 'CONFIG_INVALID', detail: expect.stringContaining('KEYWARD_MASTER_KEYS') });
      expect(out.stdout).toBe('');
      expect(existsSync(path.join(dir, 'keyward.db'))).toBe(false);
    }
  }, 30_000);

  it('the gateway refuses a scheme-less upstream, a bad KEYWARD_GATEWAY_PORT and a missing store, each naming the flag or variable', async () => {
    const { writeFileSync } = await import('node:fs');
    const map = path.join(base, 'map.yaml');
    writeFileSync(map, 'version: 1\nresources:\n  - { path: /x, methods: [GET], allow: [secret] }\n');
    const store = fresh('gw');
    expect((await cli(['init', '--data', store, '--json'])).code).toBe(0);
    const upstream = await cli(['gateway', '--data', store, '--upstream', 'localhost:3000', '--policy', map, '--json']);
    expect(upstream.code).toBe(2);
    expect(errorOf(upstream.stderr)).toMatchObject({ code: 'CONFIG_INVALID', detail: expect.stringContaining('--upstream') });
    const port = await cli(['gateway', '--data', store, '--upstream', 'http://127.0.0.1:9', '--policy', map, '--json'], { KEYWARD_GATEWAY_PORT: 'abc' });
    expect(port.code).toBe(2);
    expect(errorOf(port.stderr)).toMatchObject({ code: 'CONFIG_INVALID', detail: expect.stringContaining('KEYWARD_GATEWAY_PORT') });
    const missing = fresh('gw-missing');
    const noStore = await cli(['gateway', '--data', missing, '--upstream', 'http://127.0.0.1:9', '--policy', map, '--json']);
    expect(noStore.code).toBe(2);
    expect(errorOf(noStore.stderr).code).toBe('STORE_NOT_FOUND');
    expect(existsSync(missing)).toBe(false);
  }, 60_000);

  it('a port in use is one line with ADDRESS_IN_USE, no stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as AddressInfo).port;
    try {
      const dir = fresh('port');
      const out = await cli(['start', '--data', dir, '--port', String(port), '--log-level', 'silent', '--json']);
      expect(out.code).toBe(2);
      expect(errorOf(out.stderr).code).toBe('ADDRESS_IN_USE');
      expect(out.stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  }, 30_000);

  it('listens on 127.0.0.1 by default; 0.0.0.0 is a choice that warns about plain HTTP', async () => {
    expect(loadConfig({}, {}).host).toBe('127.0.0.1');
    expect(isListenHost('999.1.1.1')).toBe(false);
    const dir = fresh('warn');
    const child = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', '0', '--host', '0.0.0.0'], { env: { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '' } });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no listening line: ${log}`)), 20_000);
        const check = () => {
          if (log.includes('keyward listening')) {
            clearTimeout(t);
            resolve();
          } else setTimeout(check, 50);
        };
        check();
      });
      expect(log).toContain('plain HTTP on a non-loopback address');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(readdirSync(dir)).toContain('keyward.db');
  }, 30_000);
});
