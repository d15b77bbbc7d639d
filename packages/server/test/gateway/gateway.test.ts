import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createSigner } from '../../../client/src/signer.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { startUpstream } from './upstream.js';

const MAP = `
version: 1
limits:
  per-user: { rate: 3, windowSeconds: 60, burst: 3, by: subject }
resources:
  - name: own profile
    path: /users/{userId}/profile
    methods: [GET]
    allow: [publishable, session, secret]
    subject: userId
    rateLimits: [per-user]
    minAppVersion: { live: 2.0.0 }
  - name: ask the LLM (server-held key)
    path: /llm/complete
    methods: [POST]
    allow: [session]
    injectSecret: { name: openai, header: Authorization, format: "Bearer {secret}" }
  - name: orders (signed)
    path: /orders
    methods: [POST]
    allow: [signing]
    require: [signature]
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const pk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'app' }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const policy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore(), environment: 'live' });
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  return { kw, app, pk: pk.secret, up, url: `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}` };
}

describe('gateway with an access map', () => {
  it('passes the verified identity upstream as a JWT the upstream checks against the JWKS', async () => {
    const s = await setup();
    const res = await request(`${s.url}/users/u1/profile`, { headers: { 'x-api-key': s.pk, 'x-keyward-subject': 'u1', 'x-keyward-app-version': '2.1.0' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"per-user";q=3;w=60');
    const seen = s.up.seen[0]!.headers;
    expect(seen['x-api-key']).toBeUndefined();
    expect(seen['x-keyward-subject']).toBe('u1');
    const jwks = createLocalJWKSet(await s.kw.tokens.jwks() as never);
    const { payload } = await jwtVerify(String(seen['x-keyward-identity']), jwks, { issuer: 'keyward', audience: 'upstream' });
    expect(payload).toMatchObject({ sub: 'u1', kw_app: s.app.id, kw_env: 'live', kw_kind: 'publishable' });
    // An identity token captured upstream is not a credential.
    const replayed = await request(`${s.url}/users/u1/profile`, { headers: { authorization: `Bearer ${String(seen['x-keyward-identity'])}`, 'x-keyward-app-version': '2.1.0' } });
    expect(replayed.headers['x-keyward-code']).toBe('TOKEN_INVALID');
  });

  it('refuses BOLA, old app versions, keys in URLs; rate limits per subject with 429 + Retry-After', async () => {
    const s = await setup();
    const h = { 'x-api-key': s.pk, 'x-keyward-subject': 'u1', 'x-keyward-app-version': '2.1.0' };
    const code = async (path: string, headers: Record<string, string>) => {
      const r = await request(`${s.url}${path}`, { headers });
      return { status: r.statusCode, code: r.headers['x-keyward-code'], retry: r.headers['retry-after'], policy: r.headers['ratelimit-policy'], limit: r.headers.ratelimit, body: await r.body.text() };
    };
    expect(await code('/users/u2/profile', h)).toMatchObject({ status: 403, code: 'SUBJECT_MISMATCH' });
    expect(await code('/users/u1/profile', { ...h, 'x-keyward-app-version': '1.9.9' })).toMatchObject({ status: 426, code: 'UPGRADE_REQUIRED' });
    const inUrl = await code(`/users/u1/profile?api_key=${s.pk}`, h);
    expect(inUrl).toMatchObject({ status: 400, code: 'KEY_IN_URL' });
    expect(inUrl.body).not.toContain(s.pk);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await code('/users/u1/profile', h)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await code('/users/u1/profile', h);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.retry)).toBeGreaterThan(0);
    // The 429 lists the policy the 200s listed, and its t is not later than Retry-After.
    expect(limited.policy).toBe('"per-user";q=3;w=60');
    expect(limited.limit).toBe(`"per-user";r=0;t=${limited.retry}`);
    // another user of the same key has their own budget
    expect((await code('/users/u3/profile', { ...h, 'x-keyward-subject': 'u3' })).status).toBe(200);
    expect(s.up.seen).toHaveLength(4);
  });

  it('injects a server-held secret the app never holds', async () => {
    const s = await setup();
    await s.kw.secrets.set({ appId: s.app.id, environment: 'live', name: 'openai', value: 'sk-proj-THIRD-PARTY-0123456789' }, CLI);
    const session = await s.kw.sessions.create({ appId: s.app.id, environment: 'live', subject: 'u1' }, CLI);
    const res = await request(`${s.url}/llm/complete`, { method: 'POST', headers: { authorization: `Bearer ${session.sessionKey}`, 'content-type': 'application/json' }, body: '{"prompt":"hi"}' });
    expect(res.statusCode).toBe(200);
    expect(s.up.seen[0]!.headers.authorization).toBe('Bearer sk-proj-THIRD-PARTY-0123456789');
    expect(JSON.stringify(res.headers)).not.toContain('THIRD-PARTY');
  });

  it('checks signed bodies against their Content-Digest before forwarding', async () => {
    const s = await setup();
    const hk = await s.kw.keys.create({ appId: s.app.id, environment: 'live', kind: 'signing', name: 'erp' }, CLI);
    const signer = createSigner({ keyId: hk.key.id, alg: 'hmac-sha256', key: hk.secret });
    const url = new URL(`${s.url}/orders`);
    const body = '{"sku":"A1","qty":2}';
    const added = await signer.sign({ method: 'POST', url, headers: new Headers({ 'content-type': 'application/json' }), body: new TextEncoder().encode(body) }, Math.floor(Date.now() / 1000));
    const ok = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...added }, body });
    expect(ok.statusCode).toBe(200);
    expect(s.up.seen[0]!.body).toBe(body);
    expect(s.up.seen[0]!.headers.signature).toBeUndefined();
    const added2 = await signer.sign({ method: 'POST', url, headers: new Headers({ 'content-type': 'application/json' }), body: new TextEncoder().encode(body) }, Math.floor(Date.now() / 1000));
    const tampered = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...added2 }, body: body.replace('2', '200') });
    expect(tampered.headers['x-keyward-code']).toBe('DIGEST_MISMATCH');
    const unsigned = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.pk}`, 'x-keyward-subject': 'u1' }, body });
    expect(unsigned.headers['x-keyward-code']).toBe('KIND_NOT_ALLOWED');
    expect(s.up.seen).toHaveLength(1);
  });

  it('a metered key spends credits only on calls the map and limits allowed, by the resource cost, then gets 429 USAGE_EXCEEDED', async () => {
    const s = await setup();
    const metered = await s.kw.keys.create({ appId: s.app.id, environment: 'live', kind: 'publishable', name: 'metered', credits: { amount: 2, refill: 'daily' } }, CLI);
    const h = { 'x-api-key': metered.secret, 'x-keyward-subject': 'u1', 'x-keyward-app-version': '2.1.0' };
    const call = async (path: string, headers: Record<string, string>) => {
      const r = await request(`${s.url}${path}`, { headers });
      await r.body.dump();
      return { status: r.statusCode, code: r.headers['x-keyward-code'], retry: r.headers['retry-after'] };
    };
    // refused by the map (another user's profile, an old app version): nothing spent
    expect(await call('/users/u2/profile', h)).toMatchObject({ status: 403, code: 'SUBJECT_MISMATCH' });
    expect(await call('/users/u1/profile', { ...h, 'x-keyward-app-version': '1.0.0' })).toMatchObject({ code: 'UPGRADE_REQUIRED' });
    expect((await s.kw.keys.get(metered.key.id)).creditsRemaining).toBe(2);
    expect(await call('/users/u1/profile', h)).toMatchObject({ status: 200 });
    expect(await call('/users/u1/profile', h)).toMatchObject({ status: 200 });
    const out = await call('/users/u1/profile', h);
    expect(out).toMatchObject({ status: 429, code: 'USAGE_EXCEEDED' });
    expect(Number(out.retry)).toBeGreaterThan(0);
    expect(s.up.seen).toHaveLength(2);
  });
});
