import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * SIGTERM: idle keep-alive connections close at once (they used to hold the process for the 72 s
 * keep-alive timeout), a request still running gets KEYWARD_SHUTDOWN_TIMEOUT_MS, usage counters
 * are flushed, and the process exits 0.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string; port: number; root: string; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-stop-'));
  dirs.push(dir);
  const child = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', '0'], { env: { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '', KEYWARD_USAGE_FLUSH_INTERVAL_MS: '600000', ...env } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`did not start: ${out}`)), 20_000);
    const check = () => {
      const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      } else setTimeout(check, 50);
    };
    check();
  });
  return { child, port, base: `http://127.0.0.1:${port}`, root: /kw_root_[0-9A-Za-z]+/.exec(out)![0], dir };
}

const exited = (child: ChildProcess) => new Promise<{ code: number | null; ms: number }>((resolve) => {
  const started = Date.now();
  child.once('exit', (code) => resolve({ code, ms: Date.now() - started }));
});

describe('keyward start: graceful shutdown', () => {
  it('closes idle keep-alive connections at once, flushes usage counters, and exits 0', async () => {
    const s = await startServer({ KEYWARD_SHUTDOWN_TIMEOUT_MS: '10000' });
    const agent = new Agent({ keepAliveTimeout: 120_000 });
    const auth = { authorization: `Bearer ${s.root}`, 'content-type': 'application/json' };
    const app = (await (await request(`${s.base}/v1/apps`, { method: 'POST', headers: auth, body: '{"name":"a"}', dispatcher: agent })).body.json()) as { id: string };
    const key = (await (await request(`${s.base}/v1/apps/${app.id}/keys`, { method: 'POST', headers: auth, body: '{"kind":"secret","environment":"live","name":"k"}', dispatcher: agent })).body.json()) as { key: { id: string }; secret: string };
    const verified = await request(`${s.base}/v1/keys/verify`, { method: 'POST', headers: auth, body: JSON.stringify({ key: key.secret }), dispatcher: agent });
    expect(((await verified.body.json()) as { valid: boolean }).valid).toBe(true);
    // The agent's connection is now idle and kept alive; another one connected and never sent a byte.
    const silent = connect(s.port, '127.0.0.1');
    silent.on('error', () => {});
    await new Promise<void>((r) => silent.once('connect', () => r()));
    const exit = exited(s.child);
    s.child.kill('SIGTERM');
    const { code, ms } = await exit;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000); // the keep-alive timeout is 72 s; a regression waits it out
    await agent.close();
    silent.destroy();
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--data', s.dir, 'keys', 'list', '--app', app.id, '--json'], { env: { ...process.env, KEYWARD_MASTER_KEYS: '' } });
    const listed = JSON.parse(stdout) as { items: { id: string; usageCount: number }[] } | { id: string; usageCount: number }[];
    const items = Array.isArray(listed) ? listed : listed.items;
    expect(items.find((k) => k.id === key.key.id)?.usageCount).toBe(1);
  }, 60_000);

  it('gives a request still running KEYWARD_SHUTDOWN_TIMEOUT_MS, then cuts it and exits 0', async () => {
    const s = await startServer({ KEYWARD_SHUTDOWN_TIMEOUT_MS: '1500' });
    // A request whose body never completes: in flight until the deadline.
    const socket = connect(s.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`POST /v1/apps HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${s.root}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"na`);
    socket.on('error', () => {});
    await new Promise((r) => setTimeout(r, 200));
    const exit = exited(s.child);
    s.child.kill('SIGTERM');
    const { code, ms } = await exit;
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(1_000); // it waited for the request
    expect(ms).toBeLessThan(8_000); // and no longer than its deadline (plus start-up noise)
    socket.destroy();
  }, 60_000);
});
