/**
 * OWASP API Security Top 10 (2023): at least one automated negative test per risk, against the
 * gateway and the admin API, with real components (SQLite, Fastify, the undici proxy, loopback HTTP).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createGatewayPolicy } from '../../packages/server/src/gateway/policy.js';
import { createGateway } from '../../packages/server/src/gateway/proxy.js';
import { compileAccessMap } from '../../packages/server/src/policy/evaluate.js';
import { parseAccessMap } from '../../packages/server/src/policy/load.js';
import { MemoryRateLimitStore } from '../../packages/server/src/ratelimit/store.js';
import { bearer, CLI, makeApi } from '../../packages/server/test/helpers.js';
import { startUpstream } from '../../packages/server/test/gateway/upstream.js';

const MAP = `
version: 1
limits:
  tight: { rate: 2, windowSeconds: 60, burst: 2, by: ip }
resources:
  - path: /users/{userId}/orders
    methods: [GET]
    allow: [session, publishable]
    subject: userId
    rateLimits: [tight]
  - path: /admin/*
    allow: [secret]
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function world() {
  const api = await makeApi();
  api.clock.set(Date.now());
  cleanups.push(async () => {
    await api.server.close();
    await api.kw.close();
  });
  const { kw, root, appId } = api;
  const otherApp = await kw.apps.create({ name: 'other tenant' }, CLI);
  const pk = await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'app' }, CLI);
  const sk = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
  const otherSk = await kw.keys.create({ appId: otherApp.id, environment: 'live', kind: 'secret', name: 'other backend' }, CLI);
  const alice = await kw.sessions.create({ appId, environment: 'live', subject: 'alice' }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore() }), clientIp: (r) => r.socket.remoteAddress ?? '', headersTimeoutMs: 1000 });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const gateway = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
  const call = async (path: string, headers: Record<string, string> = {}) => {
    const r = await request(gateway + path, { headers });
    return { status: r.statusCode, code: r.headers['x-keyward-code'] as string | undefined, body: await r.body.text() };
  };
  return { ...api, otherApp, pk, sk, otherSk, alice, up, gateway, call, admin: api.server, root };
}

describe('API1 Broken object level authorization', () => {
  it("alice's session cannot read bob's orders through the gateway", async () => {
    const w = await world();
    expect((await w.call('/users/alice/orders', bearer(w.alice.sessionKey))).status).toBe(200);
    expect(await w.call('/users/bob/orders', bearer(w.alice.sessionKey))).toMatchObject({ status: 403, code: 'SUBJECT_MISMATCH' });
    expect(w.up.seen).toHaveLength(1);
  });

  it("one tenant's secret key cannot see another tenant's objects in the admin API", async () => {
    const w = await world();
    const session = await w.admin.inject({ method: 'POST', url: '/v1/sessions', headers: bearer(w.sk.secret), payload: { subject: 'alice' } });
    const id = session.json().session.id;
    const res = await w.admin.inject({ method: 'POST', url: `/v1/sessions/${id}/revoke`, headers: bearer(w.otherSk.secret) });
    expect(res.json().code).toBe('NOT_FOUND');
    const cross = await w.admin.inject({ method: 'GET', url: `/v1/sessions?appId=${w.appId}&environment=live`, headers: bearer(w.otherSk.secret) });
    expect(cross.json().code).toBe('FORBIDDEN');
  });
});

describe('API2 Broken authentication', () => {
  it('missing, forged, revoked and alg-none credentials never pass; none reaches the upstream', async () => {
    const w = await world();
    const revoked = await w.kw.keys.create({ appId: w.appId, environment: 'live', kind: 'publishable', name: 'old' }, CLI);
    await w.kw.keys.revoke(revoked.key.id, 'test', CLI);
    const attacker = generateKeyPairSync('ed25519');
    const forgedJwt = await new SignJWT({ kw_app: w.appId, kw_env: 'live', scope: '*' }).setProtectedHeader({ alg: 'EdDSA', kid: 'jwk_forged' }).setSubject('alice').setAudience('upstream').setIssuer('keyward').setExpirationTime('1h').setIssuedAt().setJti('x').sign(attacker.privateKey);
    const cases: [Record<string, string>, string][] = [
      [{}, 'CREDENTIAL_MISSING'],
      [bearer('kw_ss_live_notarealsessionkeyAAAAAAAAAAAAAAAAAAAA'), 'INVALID_CREDENTIAL'],
      [{ 'x-api-key': revoked.secret, 'x-keyward-subject': 'alice' }, 'INVALID_CREDENTIAL'],
      [bearer(forgedJwt), 'TOKEN_INVALID'],
      [bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.'), 'TOKEN_INVALID'],
    ];
    for (const [headers, code] of cases) expect((await w.call('/users/alice/orders', headers)).code).toBe(code);
    expect(w.up.seen).toHaveLength(0);
  });
});

describe('API3 Broken object property level authorization', () => {
  it('mass assignment of protected fields is refused, and secrets never appear in responses', async () => {
    const w = await world();
    for (const field of [{ revokedAt: null }, { version: 99 }, { usageCount: 0 }, { appId: w.otherApp.id }, { kind: 'root' }]) {
      const res = await w.admin.inject({ method: 'PATCH', url: `/v1/keys/${w.sk.key.id}`, headers: bearer(w.root), payload: field });
      expect(res.json().code, JSON.stringify(field)).toBe('VALIDATION_FAILED');
    }
    const listed = await w.admin.inject({ method: 'GET', url: `/v1/apps/${w.appId}/keys`, headers: bearer(w.root) });
    expect(listed.body).not.toContain(w.sk.secret);
    expect(listed.body).not.toMatch(/"hash"|sealed/);
  });
});

describe('API4 Unrestricted resource consumption', () => {
  it('oversized bodies, oversized headers and request floods are refused', async () => {
    const w = await world();
    const big = await w.admin.inject({ method: 'POST', url: '/v1/apps', headers: { ...bearer(w.root), 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(200_000) }) });
    expect(big.json().code).toBe('PAYLOAD_TOO_LARGE');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await w.call('/users/alice/orders', bearer(w.alice.sessionKey))).status);
    expect(statuses).toEqual([200, 200, 429]);
    const raw = await new Promise<string>((resolve) => {
      const { port } = new URL(w.gateway);
      const s = connect(Number(port), '127.0.0.1', () => s.write(`GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: ${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`));
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('close', () => resolve(out));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431/);
  });
});

describe('API5 Broken function level authorization', () => {
  it('a secret key cannot use operator functions, and an app key cannot use backend ones', async () => {
    const w = await world();
    for (const [method, url, payload] of [
      ['POST', '/v1/apps', { name: 'x' }],
      ['POST', `/v1/apps/${w.appId}/keys`, { kind: 'secret', environment: 'live', name: 'escalate' }],
      ['POST', '/v1/signing-keys/rotate', { alg: 'EdDSA' }],
      ['GET', '/v1/audit', undefined],
    ] as const) {
      const res = await w.admin.inject({ method, url, headers: bearer(w.sk.secret), ...(payload ? { payload } : {}) });
      expect(res.json().code, url).toBe('FORBIDDEN');
    }
    const asApp = await w.admin.inject({ method: 'POST', url: '/v1/keys/verify', headers: bearer(w.pk.secret), payload: { key: w.sk.secret } });
    expect(asApp.json().code).toBe('FORBIDDEN');
    expect((await w.call('/admin/users', { 'x-api-key': w.pk.secret, 'x-keyward-subject': 'alice' })).code).toBe('KIND_NOT_ALLOWED');
  });
});

describe('API6 Unrestricted access to sensitive business flows', () => {
  it('password guessing is throttled per account', async () => {
    const w = await world();
    await w.kw.sessions.setPassword(w.appId, 'live', 'alice', 'correct horse battery', CLI);
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await w.admin.inject({ method: 'POST', url: '/v1/sessions/login', headers: { 'x-api-key': w.pk.secret }, payload: { subject: 'alice', password: `guess-${i}-xx` } })).json().code);
    expect(codes.slice(0, 4)).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED']);
    expect(codes[5]).toBe('LOGIN_THROTTLED');
  }, 30_000);
});

describe('API7 Server side request forgery', () => {
  it('Keyward never fetches URLs named in a request (signature keyid, JWT jku/x5u)', async () => {
    const w = await world();
    let hits = 0;
    const trap = createServer((_q, s) => {
      hits++;
      s.end('{}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => trap.close(() => r())));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/jwks.json`;
    const attacker = generateKeyPairSync('ed25519');
    const jku = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: 'x', jku: trapUrl, x5u: trapUrl } as never).sign(attacker.privateKey);
    expect((await w.call('/users/alice/orders', bearer(jku))).code).toBe('TOKEN_INVALID');
    const res = await w.call('/users/alice/orders', { 'signature-input': `kw=("@method");created=${Math.floor(Date.now() / 1000)};nonce="abcdefgh12";keyid="${trapUrl}"`, signature: 'kw=:AAAA:' });
    expect(res.status).toBe(401);
    expect(hits).toBe(0);
  });
});

describe('API8 Security misconfiguration', () => {
  it('errors carry codes and no stack traces; unknown routes are denied; responses are not cacheable', async () => {
    const w = await world();
    const res = await w.admin.inject({ method: 'POST', url: '/v1/apps', headers: { ...bearer(w.root), 'content-type': 'application/json' }, payload: '{"name": ' });
    expect(res.json().code).toBe('MALFORMED_JSON');
    expect(res.body).not.toMatch(/\bat .+:\d+:\d+/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await w.admin.inject({ method: 'GET', url: '/v1/debug' })).json().code).toBe('ROUTE_NOT_FOUND');
    expect((await w.call('/not/in/the/map', bearer(w.alice.sessionKey))).code).toBe('ACCESS_DENIED');
  });
});

describe('API9 Improper inventory management', () => {
  it('every route is in the OpenAPI description', async () => {
    const w = await world();
    const spec = (await w.admin.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    for (const r of w.admin.routeTable) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      expect(documented.has(`${r.method} ${path}`), `${r.method} ${path}`).toBe(true);
      expect(['public', 'root', 'root-or-secret']).toContain(r.auth);
    }
    const publicRoutes = w.admin.routeTable.filter((r) => r.auth === 'public').map((r) => `${r.method} ${r.url}`).sort();
    // Every public route checks its own credential: the app's publishable key or app token (attest),
    // the cookie or the root key in the body (console), the reporter's signature (leaks).
    expect(publicRoutes).toEqual([
      'DELETE /v1/console/session',
      'GET /.well-known/jwks.json',
      'GET /healthz',
      'GET /readyz',
      'GET /v1/apps/:appId/pins',
      'GET /v1/attest/secrets',
      'GET /v1/console/session',
      'POST /v1/attest',
      'POST /v1/attest/challenge',
      'POST /v1/console/session',
      'POST /v1/devices',
      'POST /v1/leaks',
      'POST /v1/sessions/login',
      'POST /v1/sessions/refresh',
    ]);
    expect(documented.size).toBeGreaterThan(30);
  });
});

describe('API10 Unsafe consumption of APIs', () => {
  it('an upstream that hangs or breaks gives 504/502 with a code, and the gateway keeps serving', async () => {
    const w = await world();
    const broken = await startUpstream((req, res) => {
      if (req.url?.includes('hang')) return;
      res.socket?.destroy();
    });
    cleanups.push(broken.close);
    const gw = createGateway({ upstreamUrl: broken.url, policy: createGatewayPolicy({ kw: w.kw, map: compileAccessMap(parseAccessMap('version: 1\nresources:\n  - path: /x/*\n    allow: [secret]\n')), limits: new MemoryRateLimitStore() }), clientIp: () => '127.0.0.1', headersTimeoutMs: 300 });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const base = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
    const hang = await request(`${base}/x/hang`, { headers: bearer(w.sk.secret) });
    expect(hang.headers['x-keyward-code']).toBe('UPSTREAM_TIMEOUT');
    await hang.body.dump();
    const reset = await request(`${base}/x/reset`, { headers: bearer(w.sk.secret) });
    expect(reset.headers['x-keyward-code']).toBe('UPSTREAM_UNAVAILABLE');
    await reset.body.dump();
    const again = await request(`${base}/x/reset`, { headers: bearer(w.sk.secret) });
    expect(again.statusCode).toBe(502);
    await again.body.dump();
  });
});
