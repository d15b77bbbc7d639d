import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { gatewayLogHooks } from '../../src/cli/commands/gateway.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway, type GatewayOptions } from '../../src/gateway/proxy.js';
import type { GatewayPolicy } from '../../src/gateway/types.js';
import { createLogger } from '../../src/observability/logger.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { openSocket, parseRaw, rawRequest } from './raw.js';
import { startUpstream } from './upstream.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A real policy on a real map: GET /pub/{n}, POST /up, GET /users/{id}/profile for secret keys. */
async function setup(extra: Partial<GatewayOptions> = {}) {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const pk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
  const map = 'version: 1\nresources:\n  - path: /pub/{n}\n    methods: [GET]\n    allow: [secret]\n  - path: /up\n    methods: [POST]\n    allow: [secret]\n  - path: /users/{id}/profile\n    methods: [GET]\n    allow: [secret]\n';
  const policy: GatewayPolicy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(map)), limits: new MemoryRateLimitStore(), environment: 'live' });
  const up = await startUpstream();
  cleanups.push(up.close);
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '', ...extra });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const port = (gw.server.address() as AddressInfo).port;
  return { up, pk: pk.secret, url: `http://127.0.0.1:${port}`, port };
}

const canonical = (name: string) => name.toLowerCase().replaceAll('_', '-');

describe('gateway request headers', () => {
  it('strips method overrides, forged identity/credential/forwarding/client-cert headers in any -/_ spelling', async () => {
    const s = await setup();
    const forged: Record<string, string> = {
      'X-HTTP-Method-Override': 'DELETE', 'X-HTTP-Method': 'DELETE', 'X-Method-Override': 'DELETE', X_HTTP_Method_Override: 'DELETE',
      X_Keyward_Subject: 'bob', X_Keyward_Identity: 'forged', 'X-Keyward-Client-Cert-Sha256': 'ab'.repeat(32), x_forwarded_for: '6.6.6.6', X_Api_Key: 'kw_sk_live_forged', X_Real_IP: '6.6.6.6', x_request_id: 'forged',
      'X-Forwarded-Client-Cert': 'Hash=forged', 'X-SSL-Client-Cert': 'forged', 'X-Client-Cert': 'forged', 'X-Client-Cert-Chain': 'forged', 'Ssl-Client-Cert': 'forged', X_SSL_Client_Cert: 'forged', X_Forwarded_Client_Cert: 'forged', Ssl_Client_Cert: 'forged',
      Forwarded: 'for=6.6.6.6;proto=https;host=evil.example', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', X_Forwarded_Host: 'evil.example', 'X-Real-IP': '6.6.6.6',
    };
    const res = await request(`${s.url}/pub/2`, { headers: { 'x-api-key': s.pk, 'x-custom': 'kept', x_app_flavour: 'kept', ...forged } });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const seen = s.up.seen[0]!;
    expect(seen.method).toBe('GET');
    const names = Object.keys(seen.headers);
    // Nothing forged arrives under any spelling (the gateway sets some of these names itself, with its own values).
    for (const [name, value] of Object.entries(forged)) {
      for (const n of names.filter((x) => canonical(x) === canonical(name))) expect(String(seen.headers[n]), `${name} as ${n}`).not.toContain(value);
    }
    for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-forwarded-client-cert', 'x-ssl-client-cert', 'x-client-cert', 'x-client-cert-chain', 'ssl-client-cert', 'x-real-ip', 'x-keyward-client-cert-sha256']) {
      expect(names.filter((n) => canonical(n) === name), name).toEqual([]);
    }
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers['x_app_flavour']).toBe('kept');
    // The gateway's own forwarding headers, from the connection.
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(`127.0.0.1:${s.port}`);
    expect(seen.headers.forwarded).toBe(`for=127.0.0.1;proto=http;host="127.0.0.1:${s.port}"`);
  });

  it('believes X-Forwarded-Proto / -Host only from a trusted proxy, and only when well formed', async () => {
    const s = await setup({ peerTrusted: () => true });
    const r1 = await request(`${s.url}/pub/1`, { headers: { 'x-api-key': s.pk, 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'api.example.com' } });
    await r1.body.dump();
    const r2 = await request(`${s.url}/pub/1`, { headers: { 'x-api-key': s.pk, 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'evil.example/x"' } });
    await r2.body.dump();
    expect(s.up.seen[0]!.headers.forwarded).toBe('for=127.0.0.1;proto=https;host="api.example.com"');
    expect(s.up.seen[0]!.headers['x-forwarded-host']).toBe('api.example.com');
    expect(s.up.seen[1]!.headers.forwarded).toBe(`for=127.0.0.1;proto=http;host="127.0.0.1:${s.port}"`);
  });

  it.each([
    ['TRACE', 'TRACE /pub/1 HTTP/1.1'],
    ['CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1'],
  ])('%s is never forwarded: 405 METHOD_NOT_ALLOWED problem+json', async (_m, line) => {
    const s = await setup();
    const out = await rawRequest(s.url, `${line}\r\nHost: a\r\nConnection: close\r\nX-Api-Key: ${s.pk}\r\n\r\n`);
    expect(parseRaw(out)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    expect(out).toContain('application/problem+json');
    expect(out.toLowerCase()).toContain('\r\nallow: get, head, post, put, patch, delete, options\r\n');
    expect(s.up.seen).toHaveLength(0);
  });

  it('Expect: 100-continue on an allowed request: 100 Continue, the body reaches the upstream, the client gets its answer', async () => {
    const s = await setup();
    const socket = await openSocket(s.url);
    cleanups.push(async () => void socket.destroy());
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.write(`POST /up HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-Api-Key: ${s.pk}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    await until(() => out.includes('\r\n\r\n'));
    expect(out).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
    socket.write('hello');
    await new Promise((r) => socket.once('end', r));
    expect(out).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(s.up.seen).toHaveLength(1);
    expect(s.up.seen[0]!.body).toBe('hello');
    expect(s.up.seen[0]!.headers.expect).toBeUndefined();
  });

  it('Expect: 100-continue on a refused request: the refusal comes without 100 Continue and no body is read', async () => {
    const s = await setup();
    const socket = await openSocket(s.url);
    cleanups.push(async () => void socket.destroy());
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.write(`POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    await new Promise((r) => socket.once('end', r));
    expect(out).not.toContain('100 Continue');
    expect(parseRaw(out)).toEqual({ status: 401, code: 'CREDENTIAL_MISSING' });
    expect(out.toLowerCase()).toContain('connection: close');
    expect(s.up.seen).toHaveLength(0);
  });

  it('no key in any gateway log line, even when one is in the path', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const logger = createLogger('info', sink);
    const s = await setup(gatewayLogHooks(logger));
    for (const target of [`/users/${s.pk}/profile`, `/pub/1?api_key=${s.pk}`]) {
      const res = await request(`${s.url}${target}`, { headers: { 'x-api-key': s.pk } });
      await res.body.dump();
    }
    await until(() => lines.length >= 2);
    expect(lines.join('')).toContain('gateway request');
    expect(lines.join('')).toContain('/users/kw_sk_live_');
    for (const line of lines) expect(line).not.toContain(s.pk);
  });
});

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
