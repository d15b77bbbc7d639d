import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import type { Keyward } from '../../src/keyward.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { createSigner } from '../../../client/src/signer.js';
import { startUpstream } from '../gateway/upstream.js';
import { bearer, CLI, makeApi, makeKeyward } from '../helpers.js';
import { FRAMEWORKS } from '../middleware/probes.js';

/**
 * The one pipeline, seen through every adapter: the admin API, the gateway and the three
 * middlewares must refuse a key in a URL in every spelling, flag the key, answer with the same
 * problem body (request id included) and challenge every 401. `POST /v1/verify` applies the same
 * key-in-URL rule to the target of the request it is asked about (answered as a result, not a problem).
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Every way a URL can carry the key that the pipeline must find. */
const SPELLINGS: ReadonlyArray<readonly [string, (key: string) => string]> = [
  ['as sent', (k) => `/me?key=${k}`],
  ['in the path', (k) => `/users/${k}/profile`],
  ['with %5F for the underscores', (k) => `/me?key=${k.replaceAll('_', '%5F')}`],
  ['percent-encoded twice', (k) => `/me?key=${k.replaceAll('_', '%255F')}`],
  ['every character percent-encoded', (k) => `/me?key=${[...k].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}`],
];

async function keyFor(kw: Keyward, revokeKeysSeenInUrls = false) {
  const app = await kw.apps.create({ name: 'a', settings: { revokeKeysSeenInUrls } }, CLI);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'srv' }, CLI);
  return { app, id: sk.key.id, secret: sk.secret };
}

async function exposureAudit(kw: Keyward, keyId: string) {
  const records = await kw.store.listAudit({ limit: 100 });
  return records.filter((r) => r.target === keyId && r.action.startsWith('key.exposed'));
}

describe.each(FRAMEWORKS)('%s middleware on the pipeline', (_name, makeProbe) => {
  it.each(SPELLINGS)('refuses a key in the URL %s and marks it exposed, audited with the request id', async (_how, spell) => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const k = await keyFor(kw, true);
    const probe = await makeProbe({ verifiers: kw.credentials }, cleanups);
    const res = await probe({ authorization: `Bearer ${k.secret}` }, spell(k.secret));
    expect(res.status).toBe(400);
    expect(res.code).toBe('KEY_IN_URL');
    expect(res.reached).toBe(false);
    const key = await kw.keys.get(k.id);
    expect(key.exposedAtMs).not.toBeNull();
    expect(key.revokedReason).toBe('exposed: url (middleware)');
    const audit = await exposureAudit(kw, k.id);
    expect(audit.map((a) => a.action)).toEqual(['key.exposed_revoked']);
    expect(audit[0]!.requestId).toBe(res.body.requestId);
  });

  it('answers with the one problem body: request id (an incoming valid X-Request-Id kept), code, and a challenge on 401', async () => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const probe = await makeProbe({ verifiers: kw.credentials }, cleanups);
    const missing = await probe({ 'x-request-id': 'lb-7f3a.9' });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: 'CREDENTIAL_MISSING', status: 401, type: 'urn:keyward:problem:credential-missing', requestId: expect.any(String) });
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.headers['x-request-id']).toBe(missing.body.requestId);
    const spoofed = await probe({ 'x-request-id': 'has spaces; and=more' });
    expect(spoofed.body.requestId).toMatch(/^req_[0-9A-Za-z]{22}$/);
  });
});

describe('admin API and gateway on the pipeline', () => {
  it.each(SPELLINGS)('the admin API refuses a key in the URL %s and marks it exposed', async (_how, spell) => {
    const api = await makeApi();
    cleanups.push(() => api.kw.close());
    const k = await keyFor(api.kw);
    const res = await api.server.inject({ method: 'GET', url: spell(k.secret).replace('/me', '/v1/apps'), headers: { authorization: `Bearer ${api.root}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('KEY_IN_URL');
    expect((await api.kw.keys.get(k.id)).exposedAtMs).not.toBeNull();
    const audit = await exposureAudit(api.kw, k.id);
    expect(audit[0]!.requestId).toBe(res.json().requestId);
  });

  it.each(SPELLINGS)('the gateway refuses a key in the URL %s, marks it exposed and never forwards it', async (_how, spell) => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const k = await keyFor(kw);
    const up = await startUpstream();
    cleanups.push(up.close);
    const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - { path: "/*", methods: [GET], allow: [secret] }\n'));
    const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw, map, limits: new MemoryRateLimitStore() }), clientIp: () => '127.0.0.1' });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const res = await request(`http://127.0.0.1:${(gw.server.address() as AddressInfo).port}${spell(k.secret)}`, { headers: { authorization: `Bearer ${k.secret}` } });
    const body = (await res.body.json()) as { code: string; requestId: string };
    expect(res.statusCode).toBe(400);
    expect(body.code).toBe('KEY_IN_URL');
    expect(up.seen).toHaveLength(0);
    expect((await kw.keys.get(k.id)).exposedAtMs).not.toBeNull();
    const audit = await exposureAudit(kw, k.id);
    expect(audit[0]!.requestId).toBe(body.requestId);
  });

  it('the gateway challenges every 401 with WWW-Authenticate', async () => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const up = await startUpstream();
    cleanups.push(up.close);
    const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - { path: "/*", methods: [GET], allow: [secret] }\n'));
    const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw, map, limits: new MemoryRateLimitStore() }), clientIp: () => '127.0.0.1' });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const base = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
    for (const headers of [{}, { authorization: 'Bearer kw_sk_live_notarealkeyatall000000000000000' }, { authorization: 'Basic abc' }]) {
      const res = await request(`${base}/x`, { headers });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });
});

describe('POST /v1/verify on the pipeline’s key-in-URL rule', () => {
  it('a signed request whose target carries a key, in every spelling, answers KEY_IN_URL and the key is marked exposed, audited with the verify call’s request id', async () => {
    const api = await makeApi();
    cleanups.push(() => api.kw.close());
    api.clock.set(Date.now());
    const { app } = await keyFor(api.kw, true);
    const signing = await api.kw.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'hk' }, CLI);
    const signer = createSigner({ keyId: signing.key.id, alg: 'hmac-sha256', key: signing.secret });
    const verify = async (target: string) => {
      const signed = await signer.sign({ method: 'GET', url: new URL(`https://api.example.com${target}`), headers: new Headers() }, Math.floor(Date.now() / 1000));
      const res = await api.server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(api.root), payload: { request: { method: 'GET', target, headers: [['Host', 'api.example.com'], ...Object.entries(signed)] } } });
      expect(res.statusCode).toBe(200);
      return res.json() as { valid: boolean; code: string; requestId: string };
    };
    // The same signer on a clean target: the signature alone would pass.
    expect(await verify('/me?key=none')).toMatchObject({ valid: true, code: 'VALID', id: signing.key.id });
    for (const [how, spell] of SPELLINGS) {
      const sk = await api.kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'srv' }, CLI);
      const answer = await verify(spell(sk.secret));
      expect(answer, how).toStrictEqual({ valid: false, code: 'KEY_IN_URL', requestId: expect.any(String) });
      const key = await api.kw.keys.get(sk.key.id);
      expect(key.exposedAtMs, how).not.toBeNull();
      expect(key.revokedReason, how).toBe('exposed: url (verify)');
      const audit = await exposureAudit(api.kw, sk.key.id);
      expect(audit.map((a) => [a.action, a.requestId]), how).toEqual([['key.exposed_revoked', answer.requestId]]);
    }
  });
});
