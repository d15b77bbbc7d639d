import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import type { Keyward } from '../../src/keyward.js';
import { CLI, makeKeyward } from '../helpers.js';

/**
 * POST /v1/keys/verify has a lean path beside its Fastify route. The same requests go over real
 * HTTP to one server with the fast path and one without; every answer must be the same, and the
 * fast path must really have served the ones it claims (they never reach Fastify's hooks).
 */
let kw: Keyward;
let fast: Server;
let slow: Server;
const reachedFastify = { fast: 0, slow: 0 };
const keys = { root: '', pk: '', sk: '', skTest: '', otherPk: '', revoked: '', metered: '' };
let appId = '';
let otherAppId = '';

async function serve(name: 'fast' | 'slow'): Promise<Server> {
  const server = await buildServer(kw, {
    verifyFastPath: name === 'fast',
    plugins: [
      (s) => {
        s.addHook('onRequest', async (request) => {
          if (request.url.startsWith('/v1/keys/verify')) reachedFastify[name] += 1;
        });
      },
    ],
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return server;
}

beforeAll(async () => {
  ({ kw } = await makeKeyward());
  keys.root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  appId = (await kw.apps.create({ name: 'a' }, CLI)).id;
  otherAppId = (await kw.apps.create({ name: 'b' }, CLI)).id;
  const mk = async (kind: 'publishable' | 'secret' | 'restricted', environment: 'live' | 'test', extra: Record<string, unknown> = {}, app = appId) =>
    (await kw.keys.create({ appId: app, environment, kind, name: kind, ...extra }, CLI)) as { secret: string; key: { id: string } };
  keys.pk = (await mk('publishable', 'live', { scopes: ['profile:read'], meta: { plan: 'pro' }, expiresAtMs: Date.UTC(2027, 0, 1) })).secret;
  keys.sk = (await mk('secret', 'live')).secret;
  keys.skTest = (await mk('secret', 'test')).secret;
  keys.otherPk = (await mk('publishable', 'live', {}, otherAppId)).secret;
  const revoked = await mk('restricted', 'live', { scopes: ['a:b'] });
  await kw.keys.revoke(revoked.key.id, 'test', CLI);
  keys.revoked = revoked.secret;
  keys.metered = (await mk('secret', 'live', { credits: { amount: 5, refill: 'monthly' } })).secret;
  fast = await serve('fast');
  slow = await serve('slow');
});

afterAll(async () => {
  await fast?.close();
  await slow?.close();
  await kw?.close();
});

interface Case {
  readonly name: string;
  readonly headers?: Record<string, string>;
  readonly body: string;
  /** Whether the fast path takes this request (false: it must leave it to Fastify). */
  readonly fastPath: boolean;
}

const json = { 'content-type': 'application/json' };
const asRoot = () => ({ ...json, authorization: `Bearer ${keys.root}` });
const b = (v: unknown) => JSON.stringify(v);
const badChecksum = () => {
  const good = generateKey('secret', 'live');
  return `${good.slice(0, -1)}${good.endsWith('a') ? 'b' : 'a'}`;
};

const cases = (): Case[] => [
  { name: 'valid publishable key with subject and scopes', headers: asRoot(), body: b({ key: keys.pk, environment: 'live', subject: 'user_1', scopes: ['profile:read'] }), fastPath: true },
  { name: 'missing scope', headers: asRoot(), body: b({ key: keys.pk, environment: 'live', subject: 'user_1', scopes: ['admin'] }), fastPath: true },
  { name: 'publishable key without a subject', headers: asRoot(), body: b({ key: keys.pk, environment: 'live' }), fastPath: true },
  { name: 'unknown key', headers: asRoot(), body: b({ key: generateKey('secret', 'live'), environment: 'live' }), fastPath: true },
  { name: 'revoked key', headers: asRoot(), body: b({ key: keys.revoked }), fastPath: true },
  { name: 'wrong environment', headers: asRoot(), body: b({ key: keys.skTest, environment: 'live' }), fastPath: true },
  { name: 'kind not allowed', headers: asRoot(), body: b({ key: keys.sk, kinds: ['publishable'] }), fastPath: true },
  { name: 'bad checksum', headers: asRoot(), body: b({ key: badChecksum() }), fastPath: true },
  { name: 'missing key field', headers: asRoot(), body: b({ environment: 'live' }), fastPath: true },
  { name: 'unknown field', headers: asRoot(), body: b({ key: keys.pk, extra: 1 }), fastPath: true },
  { name: 'wrong type', headers: asRoot(), body: b({ key: keys.pk, kinds: 'secret' }), fastPath: true },
  { name: 'no coercion', headers: asRoot(), body: b({ key: 12345 }), fastPath: true },
  { name: 'invalid JSON', headers: asRoot(), body: '{"key":', fastPath: true },
  { name: 'prototype poisoning', headers: asRoot(), body: `{"key":"${generateKey('secret', 'live')}","__proto__":{"admin":true}}`, fastPath: true },
  { name: 'JSON that is not an object', headers: asRoot(), body: '[1,2]', fastPath: true },
  { name: 'unknown root key', headers: { ...json, authorization: `Bearer ${generateKey('root', null)}` }, body: b({ key: keys.pk }), fastPath: true },
  { name: 'malformed caller key', headers: { ...json, authorization: 'Bearer nope' }, body: b({ key: keys.pk }), fastPath: true },
  { name: 'Basic auth', headers: { ...json, authorization: 'Basic dXNlcjpwYXNz' }, body: b({ key: keys.pk }), fastPath: true },
  { name: 'a publishable key as caller', headers: { ...json, authorization: `Bearer ${keys.pk}` }, body: b({ key: keys.pk }), fastPath: true },
  { name: 'two different credentials', headers: { ...asRoot(), 'x-api-key': keys.sk }, body: b({ key: keys.pk }), fastPath: true },
  { name: 'secret key in X-Api-Key, own app', headers: { ...json, 'x-api-key': keys.sk }, body: b({ key: keys.pk, subject: 'u' }), fastPath: true },
  { name: 'secret key verifying another app', headers: { ...json, 'x-api-key': keys.sk }, body: b({ key: keys.otherPk, appId: otherAppId, subject: 'u' }), fastPath: true },
  { name: 'secret key, key of another app without naming it', headers: { ...json, 'x-api-key': keys.sk }, body: b({ key: keys.otherPk, subject: 'u' }), fastPath: true },
  { name: 'metered key, balance check (cost 0)', headers: asRoot(), body: b({ key: keys.metered, cost: 0 }), fastPath: true },
  { name: 'cost out of range', headers: asRoot(), body: b({ key: keys.metered, cost: -1 }), fastPath: true },
  { name: 'charset parameter', headers: { ...asRoot(), 'content-type': 'application/json; charset=utf-8' }, body: b({ key: keys.sk }), fastPath: true },
  { name: 'no credential', headers: json, body: b({ key: keys.pk }), fastPath: false },
  { name: 'text/plain body', headers: { ...asRoot(), 'content-type': 'text/plain' }, body: b({ key: keys.pk }), fastPath: false },
  { name: 'no content type', headers: { authorization: `Bearer ${keys.root}` }, body: b({ key: keys.pk }), fastPath: false },
  { name: 'empty body', headers: asRoot(), body: '', fastPath: false },
];

async function send(server: Server, c: Case) {
  const { port } = server.server.address() as { port: number };
  const res = await fetch(`http://127.0.0.1:${port}/v1/keys/verify`, { method: 'POST', headers: c.headers ?? {}, body: c.body });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsable: text };
  }
  const requestId = res.headers.get('x-request-id');
  expect(requestId).toMatch(/^req_/);
  if ('requestId' in body) expect(body.requestId).toBe(requestId);
  const { requestId: _, ...rest } = body;
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    cacheControl: res.headers.get('cache-control'),
    keywardCode: res.headers.get('x-keyward-code'),
    wwwAuthenticate: res.headers.get('www-authenticate'),
    body: rest,
  };
}

describe('the verify fast path', () => {
  it('answers every request exactly as the Fastify route does', async () => {
    for (const c of cases()) {
      const before = { ...reachedFastify };
      const viaFast = await send(fast, c);
      const viaSlow = await send(slow, c);
      expect(viaFast, c.name).toEqual(viaSlow);
      expect(reachedFastify.slow - before.slow, c.name).toBe(1);
      expect(reachedFastify.fast - before.fast, `${c.name}: served by ${c.fastPath ? 'the fast path' : 'Fastify'}`).toBe(c.fastPath ? 0 : 1);
    }
  });

  it('covers valid and refused answers, not just one kind', async () => {
    const statuses = new Set<string>();
    for (const c of cases().filter((x) => x.fastPath)) {
      const r = await send(fast, c);
      statuses.add(`${r.status} ${String(r.body.code)}`);
    }
    for (const expected of ['200 VALID', '200 INVALID_CREDENTIAL', '200 INSUFFICIENT_SCOPES', '400 KEY_MALFORMED', '400 VALIDATION_FAILED', '400 MALFORMED_JSON', '401 UNAUTHORIZED', '403 FORBIDDEN', '400 AMBIGUOUS_CREDENTIALS']) {
      expect(statuses).toContain(expected);
    }
  });

  it('counts its requests in the HTTP metrics under the route pattern', async () => {
    await send(fast, cases()[0]!);
    const metrics = await kw.metrics.registry.getSingleMetricAsString('keyward_http_requests_total');
    expect(metrics).toMatch(/keyward_http_requests_total\{[^}]*route="\/v1\/keys\/verify"[^}]*status="200"[^}]*\} [1-9]/);
  });
});
