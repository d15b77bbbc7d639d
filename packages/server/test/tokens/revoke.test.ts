import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { buildServer } from '../../src/http/server.js';
import { createKeyward } from '../../src/keyward.js';
import { keywardHono } from '../../src/middleware/hono.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { bearer, CLI, makeApi } from '../helpers.js';
import { startUpstream } from '../gateway/upstream.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const MINT = { subject: 'user_1', audience: 'uploads', scopes: ['files:write'], ttlSeconds: 300 };

describe('revoking a token by jti over the API', () => {
  it('refuses it at /v1/tokens/verify and /v1/verify from then on, audited once; again changes nothing', async () => {
    const a = await makeApi();
    cleanups.push(() => a.kw.close());
    const h = bearer(a.root);
    const minted = (await a.server.inject({ method: 'POST', url: '/v1/tokens', headers: h, payload: { ...MINT, appId: a.appId, environment: 'live' } })).json() as { token: string; jti: string };
    const verifyToken = async () => (await a.server.inject({ method: 'POST', url: '/v1/tokens/verify', headers: h, payload: { token: minted.token, audience: 'uploads' } })).json().code;
    const verifyAny = async () => (await a.server.inject({ method: 'POST', url: '/v1/verify', headers: h, payload: { credential: minted.token } })).json();
    expect(await verifyToken()).toBe('VALID');
    expect(await verifyToken()).toBe('VALID'); // now in the verified-token cache
    expect((await verifyAny()).code).toBe('VALID');

    const revoked = await a.server.inject({ method: 'POST', url: `/v1/tokens/${minted.jti}/revoke`, headers: h, payload: { appId: a.appId, environment: 'live', reason: 'lost phone' } });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ jti: minted.jti, appId: a.appId, environment: 'live', revoked: true, alreadyRevoked: false, reason: 'lost phone' });
    expect(await verifyToken()).toBe('TOKEN_INVALID');
    expect(await verifyAny()).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
    const again = await a.server.inject({ method: 'POST', url: `/v1/tokens/${minted.jti}/revoke`, headers: h, payload: { appId: a.appId, environment: 'live' } });
    expect(again.json()).toMatchObject({ alreadyRevoked: true, reason: 'lost phone' });
    expect((await a.kw.store.listAudit({ limit: 50, target: minted.jti })).map((r) => [r.action, r.actor.startsWith('key_') || r.actor.length > 0])).toEqual([['token.revoke', true]]);
  });

  it('a revocation applies only in the app and environment that made it; a secret key revokes in its own only', async () => {
    const a = await makeApi();
    cleanups.push(() => a.kw.close());
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const theirSecret = (await a.kw.keys.create({ appId: other.id, environment: 'live', kind: 'secret', name: 'theirs' }, CLI)).secret;
    const mine = await a.kw.tokens.mint({ ...MINT, appId: a.appId, environment: 'live' });
    // The other app's secret key "revokes" the jti: that revocation is scoped to its own app.
    const theirs = await a.server.inject({ method: 'POST', url: `/v1/tokens/${mine.jti}/revoke`, headers: bearer(theirSecret), payload: {} });
    expect(theirs.json()).toMatchObject({ appId: other.id, alreadyRevoked: false });
    expect((await a.kw.tokens.verify(mine.token, { audience: 'uploads' })).valid).toBe(true);
    // Naming another app with a secret key is refused, not redirected.
    expect((await a.server.inject({ method: 'POST', url: `/v1/tokens/${mine.jti}/revoke`, headers: bearer(theirSecret), payload: { appId: a.appId } })).json().code).toBe('FORBIDDEN');
    // The test environment's revocation does not touch the live token either.
    await a.kw.tokens.revoke({ jti: mine.jti, appId: a.appId, environment: 'test' }, CLI);
    expect((await a.kw.tokens.verify(mine.token, { audience: 'uploads' })).valid).toBe(true);
    // A root key must name both, and an unknown app is NOT_FOUND (nothing written).
    expect((await a.server.inject({ method: 'POST', url: `/v1/tokens/${mine.jti}/revoke`, headers: bearer(a.root), payload: { appId: a.appId } })).json().code).toBe('VALIDATION_FAILED');
    expect((await a.server.inject({ method: 'POST', url: `/v1/tokens/${mine.jti}/revoke`, headers: bearer(a.root), payload: { appId: 'app_0000000000000000000000', environment: 'live' } })).json().code).toBe('NOT_FOUND');
    expect((await a.server.inject({ method: 'POST', url: '/v1/tokens/has%20space/revoke', headers: bearer(a.root), payload: { appId: a.appId, environment: 'live' } })).json().code).toBe('VALIDATION_FAILED');
    expect((await a.kw.store.listAudit({ limit: 50, target: mine.jti })).map((r) => r.action)).toEqual(['token.revoke', 'token.revoke']);
  });

  it('a single-use token revoked before its first use is refused and never consumed', async () => {
    const a = await makeApi();
    cleanups.push(() => a.kw.close());
    const t = await a.kw.tokens.mint({ ...MINT, appId: a.appId, environment: 'live', singleUse: true });
    await a.kw.tokens.revoke({ jti: t.jti, appId: a.appId, environment: 'live' }, CLI);
    expect(await a.kw.tokens.verify(t.token, { audience: 'uploads' })).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'REVOKED' });
    expect(await a.kw.store.db.selectFrom('consumed_jtis').selectAll().execute()).toEqual([]);
  });
});

describe('a token revoked by another process on the same store', () => {
  it('is refused by that process\'s /v1/verify, gateway and middleware (the change log), cached or not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-tokrev-'));
    dirs.push(dir);
    const opts = { config: { logLevel: 'silent' as const, changePollIntervalMs: 25, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } };
    const cli = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }) });
    cleanups.push(() => cli.close());
    // One master key, as two processes on one data directory share (the gateway signs identity tokens).
    const server = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }), keyring: cli.keyring });
    cleanups.push(() => server.close());
    const app = await cli.apps.create({ name: 'a' }, CLI);
    const root = (await cli.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
    const token = await cli.tokens.mint({ ...MINT, appId: app.id, environment: 'live' });

    const api = await buildServer(server);
    cleanups.push(() => api.close());
    const map = compileAccessMap(parseAccessMap('version: 1\naudience: uploads\nresources:\n  - path: /x\n    methods: [GET]\n    allow: [token]\n'));
    const up = await startUpstream();
    cleanups.push(up.close);
    const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw: server, map, limits: server.limits }), clientIp: () => '127.0.0.1' });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const hono = new Hono();
    hono.use('*', keywardHono({ verifiers: server.credentials, accessMap: map }));
    hono.get('/x', (c) => c.text('ok'));

    const viaVerify = async () => (await api.inject({ method: 'POST', url: '/v1/verify', headers: bearer(root), payload: { credential: token.token } })).json().code as string;
    const viaGateway = async () => {
      const res = await request(`http://127.0.0.1:${(gw.server.address() as AddressInfo).port}/x`, { headers: bearer(token.token) });
      await res.body.dump();
      return res.statusCode;
    };
    const viaMiddleware = async () => (await hono.request('http://localhost/x', { headers: bearer(token.token) })).status;
    for (let i = 0; i < 2; i++) expect([await viaVerify(), await viaGateway(), await viaMiddleware()]).toEqual(['VALID', 200, 200]);

    await cli.tokens.revoke({ jti: token.jti, appId: app.id, environment: 'live' }, CLI);
    // Within the change log's poll (25 ms here); generous for a loaded machine.
    await expect.poll(viaVerify, { timeout: 10_000, interval: 25 }).toBe('TOKEN_INVALID');
    expect(await viaGateway()).toBe(401);
    expect(await viaMiddleware()).toBe(401);
  });

  it('a process that starts after the revocation refuses it from its first verification', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-tokrev-'));
    dirs.push(dir);
    const opts = { config: { logLevel: 'silent' as const, changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } };
    const cli = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }) });
    cleanups.push(() => cli.close());
    const app = await cli.apps.create({ name: 'a' }, CLI);
    const token = await cli.tokens.mint({ ...MINT, appId: app.id, environment: 'live' });
    await cli.tokens.revoke({ jti: token.jti, appId: app.id, environment: 'live' }, CLI);
    const later = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }) });
    cleanups.push(() => later.close());
    expect(await later.tokens.verify(token.token, { audience: 'uploads' })).toMatchObject({ valid: false, reason: 'REVOKED' });
  });
});
