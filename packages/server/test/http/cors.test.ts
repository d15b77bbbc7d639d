import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCorsOrigins } from '../../src/apps/cors-origins.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { gatewayCors } from '../../src/gateway/cors.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { Cors } from '../../src/http/cors.js';
import { buildServer } from '../../src/http/server.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward } from '../../src/keyward.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { CLI } from '../helpers.js';
import { startUpstream } from '../gateway/upstream.js';

const WEB = 'https://app.example.com';
const OTHER = 'https://evil.example';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function api(corsOrigins: string[] = []) {
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: manualClock(Date.UTC(2026, 5, 1)), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, corsOrigins } });
  const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  const web = await kw.apps.create({ name: 'web', settings: { corsOrigins: [WEB] } }, CLI);
  const other = await kw.apps.create({ name: 'other' }, CLI);
  const server = await buildServer(kw, { corsRefreshMs: 0 });
  cleanups.push(async () => {
    await server.close();
    await kw.close();
  });
  return { kw, server, root, web, other };
}

describe('CORS on the admin API', () => {
  it('a preflight from a listed origin is answered 204 before authentication, with methods, the asked headers and Vary', async () => {
    const s = await api();
    const res = await s.server.inject({ method: 'OPTIONS', url: '/v1/sessions/login', headers: { origin: WEB, 'access-control-request-method': 'POST', 'access-control-request-headers': 'Content-Type, X-Api-Key' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(WEB);
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, x-api-key');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers.vary)).toContain('Origin');
  });

  it('an unknown origin gets no CORS headers, on a preflight and on an answer (only Vary: Origin)', async () => {
    const s = await api();
    const pre = await s.server.inject({ method: 'OPTIONS', url: '/v1/sessions/login', headers: { origin: OTHER, 'access-control-request-method': 'POST' } });
    expect(pre.statusCode).toBe(204);
    expect(Object.keys(pre.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const res = await s.server.inject({ method: 'GET', url: `/v1/apps/${s.web.id}/pins`, headers: { origin: OTHER } });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(res.headers.vary).toBe('Origin');
  });

  it('origins are per app: an app\'s origin reads that app\'s answers, not another app\'s', async () => {
    const s = await api();
    const own = await s.server.inject({ method: 'GET', url: `/v1/apps/${s.web.id}/pins`, headers: { origin: WEB } });
    expect(own.headers['access-control-allow-origin']).toBe(WEB);
    expect(String(own.headers['access-control-expose-headers'])).toContain('x-keyward-code');
    const foreign = await s.server.inject({ method: 'GET', url: `/v1/apps/${s.other.id}/pins`, headers: { origin: WEB } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a refusal before authentication still carries CORS headers for a listed origin, so the page can read the problem', async () => {
    const s = await api();
    const res = await s.server.inject({ method: 'GET', url: '/v1/audit', headers: { origin: WEB } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(WEB);
  });

  it('an answer to a root key (no app) is for the config\'s origins only, not any app\'s', async () => {
    const s = await api();
    const res = await s.server.inject({ method: 'GET', url: '/v1/audit', headers: { origin: WEB, authorization: `Bearer ${s.root}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('POST /v1/keys/verify from a browser leaves the lean path and gets its CORS headers like any route', async () => {
    const s = await api(['https://ops.example.com']);
    await s.server.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(s.server.server.address() as AddressInfo).port}/v1/keys/verify`;
    const res = await request(url, { method: 'POST', headers: { origin: 'https://ops.example.com', authorization: `Bearer ${s.root}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: s.root }) });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { code: string }).code).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBe('https://ops.example.com');
  });

  it('KEYWARD_CORS_ORIGINS allows an operator origin on every route', async () => {
    const s = await api(['https://ops.example.com']);
    const res = await s.server.inject({ method: 'GET', url: '/v1/apps', headers: { origin: 'https://ops.example.com', authorization: `Bearer ${s.root}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    expect(loadConfig({}, { KEYWARD_CORS_ORIGINS: 'https://a.example, *' }).corsOrigins).toEqual(['https://a.example', '*']);
    expect(() => loadConfig({}, { KEYWARD_CORS_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
    try {
      loadConfig({}, { KEYWARD_CORS_ORIGINS: 'HTTPS://A.example' });
    } catch (err) {
      expect((err as ConfigError).problems[0]).toMatch(/^KEYWARD_CORS_ORIGINS: /);
    }
  });

  it('an app\'s corsOrigins are validated (400 VALIDATION_FAILED naming the field, nothing changed) and apply at once when changed', async () => {
    const s = await api();
    const h = { authorization: `Bearer ${s.root}` };
    const bad = await s.server.inject({ method: 'PATCH', url: `/v1/apps/${s.other.id}`, headers: h, payload: { settings: { corsOrigins: ['https://x.example/'] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/settings/corsOrigins' }] });
    expect((await s.kw.apps.get(s.other.id)).settings.corsOrigins).toEqual([]);
    const ok = await s.server.inject({ method: 'PATCH', url: `/v1/apps/${s.other.id}`, headers: h, payload: { settings: { corsOrigins: ['*'] } } });
    expect(ok.statusCode).toBe(200);
    const res = await s.server.inject({ method: 'GET', url: `/v1/apps/${s.other.id}/pins`, headers: { origin: OTHER } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('Cors (the one module)', () => {
  it('a wildcard never comes with credentials; an exactly listed origin may', () => {
    const cors = new Cors({ methods: ['GET'], origins: () => ['*', WEB], credentials: true });
    expect(cors.headers(OTHER)).toMatchObject({ 'access-control-allow-origin': '*' });
    expect(cors.headers(OTHER)['access-control-allow-credentials']).toBeUndefined();
    expect(cors.headers(WEB)).toMatchObject({ 'access-control-allow-origin': WEB, 'access-control-allow-credentials': 'true' });
    expect(cors.headers('null')).toEqual({ vary: 'Origin' });
  });

  it('a preflight asking for a method not offered gets no CORS headers', () => {
    const cors = new Cors({ methods: ['GET'], origins: () => [WEB] });
    expect(cors.preflight({ origin: WEB, 'access-control-request-method': 'DELETE' }).headers['access-control-allow-origin']).toBeUndefined();
    expect(cors.preflight({ origin: WEB, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x\r\ny' }).headers['access-control-allow-headers']).toBeUndefined();
  });
});

describe('CORS on the gateway', () => {
  async function gateway() {
    const s = await api();
    const pk = await s.kw.keys.create({ appId: s.web.id, environment: 'live', kind: 'publishable', name: 'web' }, CLI);
    const up = await startUpstream((req, res, seen) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: '' });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end('{}');
    });
    cleanups.push(up.close);
    const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - path: /pub\n    methods: [GET, POST]\n    allow: [publishable]\n'));
    const origins = new AppCorsOrigins(s.kw.store);
    await origins.refresh();
    const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw: s.kw, map, limits: new MemoryRateLimitStore() }), clientIp: () => '127.0.0.1', cors: gatewayCors(origins, { appId: s.web.id }) });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    return { up, pk: pk.secret, url: `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}` };
  }

  it('answers a preflight itself, before authentication, and never forwards it', async () => {
    const g = await gateway();
    const res = await request(`${g.url}/pub`, { method: 'OPTIONS', headers: { origin: WEB, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type' } });
    await res.body.dump();
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(WEB);
    expect(res.headers['access-control-allow-headers']).toBe('x-api-key, content-type');
    expect(g.up.seen).toHaveLength(0);
  });

  it('an allowed answer carries the gateway\'s CORS headers, not the upstream\'s; a refusal carries them too; an unknown origin gets none', async () => {
    const g = await gateway();
    const ok = await request(`${g.url}/pub`, { headers: { origin: WEB, 'x-api-key': g.pk, 'x-keyward-subject': 'u1' } });
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(WEB);
    expect(ok.headers.vary).toBe('Origin');
    const foreign = await request(`${g.url}/pub`, { headers: { origin: OTHER, 'x-api-key': g.pk, 'x-keyward-subject': 'u1' } });
    await foreign.body.dump();
    expect(foreign.statusCode).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const refused = await request(`${g.url}/pub`, { headers: { origin: WEB } });
    await refused.body.dump();
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(WEB);
  });
});
