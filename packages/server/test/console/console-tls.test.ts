import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type GatewayProcess } from '../gateway/process.js';

/**
 * The dashboard's session cookie over real HTTPS (`keyward start --tls-cert`): Secure is added, so a
 * browser never sends it over plain HTTP. Over HTTP (console-session.test.ts) it is left off, or the
 * loopback dashboard could not sign in at all.
 */
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function post(url: string, ca: Buffer, body: unknown): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('dashboard sign-in over HTTPS', () => {
  it('the session cookie is Secure, HttpOnly and SameSite=Strict', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-console-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const [cert, key] = [path.join(dir, 'server.pem'), path.join(dir, 'server.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=keyward', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server: GatewayProcess = await startServer(['--data', path.join(dir, 'data'), '--tls-cert', cert, '--tls-key', key]);
    cleanups.push(() => server.stop());
    // The log line names the address with the scheme the listener speaks.
    expect(server.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const base = server.base;
    const rootKey = /kw_root_[0-9A-Za-z]+/.exec(JSON.stringify(server.logs()))![0];
    const signed = await post(`${base}/v1/console/session`, readFileSync(cert), { rootKey });
    expect(signed.status).toBe(201);
    expect(signed.setCookie).toHaveLength(1);
    expect(signed.setCookie[0]).toMatch(/^kw_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/);
  }, 60_000);
});
