import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { bearer, makeApi } from '../helpers.js';
import { startUpstream } from '../gateway/upstream.js';
import { makeKey, startIdp } from './idp.js';

/** The identity provider set through the apps API, used by POST /v1/verify and by the gateway's access map. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const api = await makeApi();
  api.clock.set(Date.now());
  cleanups.push(() => api.kw.close());
  const idp = await startIdp();
  cleanups.push(idp.close);
  const key = await makeKey('ES256', 'ec-1');
  idp.publish(key);
  const provider = { issuer: idp.issuer, audience: 'api://orders', jwksUri: idp.jwksUri };
  return { ...api, idp, key, provider, sign: (claims = {}) => idp.sign(key, api.clock(), claims) };
}

describe('identity providers in app settings (apps API)', () => {
  it('stores a valid provider with its defaults, and shows it', async () => {
    const s = await setup();
    const res = await s.server.inject({ method: 'PATCH', url: `/v1/apps/${s.appId}`, headers: bearer(s.root), payload: { settings: { identityProviders: [s.provider] } } });
    expect(res.statusCode).toBe(200);
    expect(res.json().settings.identityProviders).toEqual([{ ...s.provider, environment: 'live', algorithms: ['RS256', 'ES256', 'EdDSA'], clockSkewSeconds: 60 }]);
  });

  it('refuses bad providers with VALIDATION_FAILED naming the field, and changes nothing', async () => {
    const s = await setup();
    const bad: [Record<string, unknown>, string][] = [
      [{ ...s.provider, jwksUri: 'http://idp.example.com/jwks' }, '/body/settings/identityProviders/0/jwksUri'],
      [{ ...s.provider, issuer: 'not a url' }, '/body/settings/identityProviders/0/issuer'],
      [{ ...s.provider, jwksUri: 'https://user:pw@idp.example.com/jwks' }, '/body/settings/identityProviders/0/jwksUri'],
      [{ ...s.provider, clockSkewSeconds: 301 }, ''],
      [{ ...s.provider, algorithms: ['HS256'] }, ''],
      [{ ...s.provider, algorithms: ['none'] }, ''],
      [{ ...s.provider, audience: '' }, ''],
      [{ ...s.provider, extra: 1 }, ''],
    ];
    for (const [provider, pointer] of bad) {
      const res = await s.server.inject({ method: 'PATCH', url: `/v1/apps/${s.appId}`, headers: bearer(s.root), payload: { settings: { identityProviders: [provider] } } });
      expect(res.statusCode, JSON.stringify(provider)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      if (pointer) expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    const twice = await s.server.inject({ method: 'PATCH', url: `/v1/apps/${s.appId}`, headers: bearer(s.root), payload: { settings: { identityProviders: [s.provider, { ...s.provider, audience: 'x' }] } } });
    expect(twice.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/body/settings/identityProviders/1/issuer']);
    expect((await s.kw.apps.get(s.appId)).settings.identityProviders).toEqual([]);
  });
});

describe('POST /v1/verify with an identity provider token', () => {
  it("answers in the one shape: scheme oidc, the token's sub as subject; refusals are values", async () => {
    const s = await setup();
    await s.kw.apps.update(s.appId, { settings: { identityProviders: [s.provider] } }, { actor: 'test', requestId: 'r' });
    const ok = await s.server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(s.root), payload: { credential: await s.sign({ sub: 'kc-user-7' }), appId: s.appId } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ valid: true, code: 'VALID', scheme: 'oidc', kind: 'oidc', subject: 'kc-user-7', appId: s.appId, environment: 'live' });
    const wrongAud = await s.server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(s.root), payload: { credential: await s.sign({ aud: 'other' }), appId: s.appId } });
    expect(wrongAud.json()).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
    // Without an app, the verify API does not guess one.
    const noApp = await s.server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(s.root), payload: { credential: await s.sign() } });
    expect(noApp.json()).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
  });
});

describe('the gateway with allow: [oidc]', () => {
  it('binds the token subject to the path, forwards it as the identity, and keeps oidc out of resources that do not allow it', async () => {
    const s = await setup();
    await s.kw.apps.update(s.appId, { settings: { identityProviders: [s.provider] } }, { actor: 'test', requestId: 'r' });
    const up = await startUpstream();
    cleanups.push(up.close);
    const map = parseAccessMap(`
version: 1
resources:
  - { path: "/users/{userId}/orders", methods: [GET], allow: [oidc], subject: userId, scopes: [orders:read] }
  - { path: /admin, methods: [GET], allow: [secret] }
`);
    const policy = createGatewayPolicy({ kw: s.kw, map: compileAccessMap(map), limits: new MemoryRateLimitStore(), appId: s.appId });
    const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const base = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
    const call = async (path: string, token: string) => {
      const res = await request(base + path, { headers: { authorization: `Bearer ${token}` } });
      await res.body.text();
      return { status: res.statusCode, code: res.headers['x-keyward-code'] };
    };
    const token = await s.sign({ sub: 'u1', scope: 'openid orders:read' });
    expect((await call('/users/u1/orders', token)).status).toBe(200);
    expect(await call('/users/u2/orders', token)).toEqual({ status: 403, code: 'SUBJECT_MISMATCH' });
    expect(await call('/users/u1/orders', await s.sign({ sub: 'u1', scope: 'openid' }))).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPES' });
    expect(await call('/admin', token)).toEqual({ status: 403, code: 'KIND_NOT_ALLOWED' });
    expect(await call('/users/u1/orders', await s.sign({ sub: 'u1', scope: 'orders:read', exp: Math.floor(s.clock() / 1000) - 120 }))).toEqual({ status: 401, code: 'TOKEN_EXPIRED' });
    expect(up.seen).toHaveLength(1);
    const seen = up.seen[0]!.headers;
    expect(seen.authorization).toBeUndefined(); // the provider's token does not travel on
    expect(seen['x-keyward-subject']).toBe('u1');
    expect(seen['x-keyward-credential-kind']).toBe('oidc');
    const { payload } = await jwtVerify(String(seen['x-keyward-identity']), createLocalJWKSet((await s.kw.tokens.jwks()) as never), { issuer: 'keyward', audience: 'upstream' });
    expect(payload).toMatchObject({ sub: 'u1', kw_kind: 'oidc', kw_scheme: 'oidc', kw_app: s.appId });
  });
});
