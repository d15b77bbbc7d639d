import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { keywardHono } from '../../src/middleware/hono.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { CLI, makeApi } from '../helpers.js';
import { startUpstream } from './upstream.js';

/**
 * A key's own rate limit, its identity's and its credits are IETF RateLimit policies beside the
 * access map's ("kw:key", "kw:identity", "kw:credits"): the same RateLimit-Policy on the 200 and
 * on every 429, whichever budget refused, and Retry-After never earlier than the refusing
 * policy's `t`. Through the real gateway over HTTP, and the Hono middleware (the same pipeline).
 */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const MAP = compileAccessMap(
  parseAccessMap(
    [
      'version: 1',
      'limits:',
      '  per-app: { rate: 100, windowSeconds: 60, by: app }',
      '  one-a-minute: { rate: 1, windowSeconds: 60, by: credential }',
      'resources:',
      '  - { path: /x, methods: [GET], allow: [secret], rateLimits: [per-app] }',
      '  - { path: /tight, methods: [GET], allow: [secret], rateLimits: [one-a-minute] }',
    ].join('\n'),
  ),
);

/** `"name";r=…;t=…` items of a RateLimit field → name → {r, t}. */
function stateOf(field: string | undefined): Record<string, { r: number; t: number | undefined }> {
  const out: Record<string, { r: number; t: number | undefined }> = {};
  for (const item of (field ?? '').split(', ').filter(Boolean)) {
    const m = /^"([^"]+)";r=(\d+)(?:;t=(\d+))?$/.exec(item);
    expect(m, item).not.toBeNull();
    out[m![1]!] = { r: Number(m![2]), t: m![3] === undefined ? undefined : Number(m![3]) };
  }
  return out;
}

async function setup(options: { rate?: number; credits?: number; identityRate?: number } = {}) {
  const api = await makeApi();
  cleanups.push(() => api.kw.close());
  const identity = await api.kw.identities.create(api.appId, { externalId: 'org_1', ratelimit: { rate: options.identityRate ?? 50, windowSeconds: 60, burst: options.identityRate ?? 50 } }, CLI);
  const key = await api.kw.keys.create(
    { appId: api.appId, environment: 'live', kind: 'secret', name: 'metered', identityId: identity.id, ratelimit: { rate: options.rate ?? 2, windowSeconds: 60, burst: options.rate ?? 2 }, credits: { amount: options.credits ?? 10, refill: 'daily' } },
    CLI,
  );
  const up = await startUpstream();
  cleanups.push(up.close);
  const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw: api.kw, map: MAP, limits: api.kw.limits }), clientIp: () => '127.0.0.1' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const base = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
  const call = async (path: string) => {
    const res = await request(`${base}${path}`, { headers: { authorization: `Bearer ${key.secret}` } });
    await res.body.dump();
    const h = res.headers as Record<string, string | undefined>;
    return { status: res.statusCode, code: h['x-keyward-code'], policy: h['ratelimit-policy'], state: stateOf(h.ratelimit), retryAfter: h['retry-after'] === undefined ? undefined : Number(h['retry-after']) };
  };
  return { api, key, call };
}

const POLICY_X = '"kw:key";q=2;w=60, "kw:identity";q=50;w=60, "per-app";q=100;w=60, "kw:credits";q=10;w=86400';

describe('the key\'s own budgets as RateLimit policies (gateway)', () => {
  it('a 200 lists the key\'s limit, its identity\'s, the map\'s and its credits, each with r and t', async () => {
    const { call } = await setup();
    const ok = await call('/x');
    expect(ok.status).toBe(200);
    expect(ok.policy).toBe(POLICY_X);
    expect(ok.state).toMatchObject({ 'kw:key': { r: 1 }, 'kw:identity': { r: 49 }, 'per-app': { r: 99 }, 'kw:credits': { r: 9 } });
    expect(ok.state['kw:credits']!.t).toBeGreaterThan(0);
    expect(ok.state['kw:credits']!.t).toBeLessThanOrEqual(86_400);
  });

  it('refused by the key\'s own limit: 429 with the same policies, Retry-After not before kw:key\'s t, and nothing spent', async () => {
    const { api, key, call } = await setup();
    await call('/x');
    const last = await call('/x'); // the burst's last unit
    expect(last.status).toBe(200);
    const refused = await call('/x');
    expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED', policy: POLICY_X });
    expect(refused.state['kw:key']).toMatchObject({ r: 0 });
    expect(refused.retryAfter).toBeGreaterThanOrEqual(refused.state['kw:key']!.t!);
    expect(refused.retryAfter).toBeGreaterThan(0);
    // Not counted: the map's and the credits' state are not reported, and no credit was spent.
    expect(Object.keys(refused.state)).toEqual(['kw:key']);
    expect((await api.kw.keys.get(key.key.id)).creditsRemaining).toBe(8);
  });

  it('refused by the map\'s limit, or by the credits: the same policy list as the 200 of that route, Retry-After ≥ t', async () => {
    const { call } = await setup({ rate: 100, credits: 2 });
    const tight = '"kw:key";q=100;w=60, "kw:identity";q=50;w=60, "one-a-minute";q=1;w=60, "kw:credits";q=2;w=86400';
    const ok = await call('/tight');
    expect([ok.status, ok.policy]).toEqual([200, tight]);
    const byMap = await call('/tight');
    expect(byMap).toMatchObject({ status: 429, code: 'RATE_LIMITED', policy: tight });
    expect(byMap.retryAfter).toBeGreaterThanOrEqual(byMap.state['one-a-minute']!.t!);

    expect((await call('/x')).status).toBe(200); // the second and last credit
    const byCredits = await call('/x');
    expect(byCredits).toMatchObject({ status: 429, code: 'USAGE_EXCEEDED', policy: POLICY_X.replace('"kw:key";q=2', '"kw:key";q=100').replace('"kw:credits";q=10', '"kw:credits";q=2') });
    expect(byCredits.state['kw:credits']).toMatchObject({ r: 0 });
    expect(byCredits.retryAfter).toBeGreaterThanOrEqual(byCredits.state['kw:credits']!.t!);
    expect(byCredits.retryAfter).toBeLessThanOrEqual(86_400);
  });
});

describe('the key\'s own budgets as RateLimit policies (Hono middleware)', () => {
  it('the same headers as the gateway on 200 and 429', async () => {
    const { api, key } = await setup();
    const app = new Hono();
    app.use('*', keywardHono({ verifiers: api.kw.credentials, accessMap: MAP, limits: api.kw.limits, now: api.kw.now }));
    app.get('/x', (c) => c.text('ok'));
    const call = async () => {
      const res = await app.request('http://localhost/x', { headers: { authorization: `Bearer ${key.secret}` } });
      return { status: res.status, policy: res.headers.get('ratelimit-policy'), state: stateOf(res.headers.get('ratelimit') ?? undefined), retryAfter: Number(res.headers.get('retry-after') ?? NaN) };
    };
    const first = await call();
    expect([first.status, first.policy]).toEqual([200, POLICY_X]);
    await call();
    const refused = await call();
    expect([refused.status, refused.policy]).toEqual([429, POLICY_X]);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(refused.state['kw:key']!.t!);
  });
});
