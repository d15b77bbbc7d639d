import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { startUpstream } from '../gateway/upstream.js';
import { bearer, CLI, makeApi } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function api() {
  const a = await makeApi();
  cleanups.push(() => a.kw.close());
  const issued = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 's', ratelimit: { rate: 2, windowSeconds: 60, burst: 2 } }, CLI);
  const get = async (qs: string, auth = a.root) => {
    const res = await a.server.inject({ method: 'GET', url: `/v1/analytics/verifications${qs}`, headers: bearer(auth) });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> & { buckets: { start: string; total: number; valid: number; outcomes: Record<string, number> }[]; code?: string } };
  };
  const verify = (key: string) => a.server.inject({ method: 'POST', url: '/v1/keys/verify', headers: bearer(a.root), payload: { key } });
  return { ...a, key: issued.key, secret: issued.secret, get, verify };
}

describe('GET /v1/analytics/verifications', () => {
  it('serves the verify endpoint’s outcomes per app and key, split by code, in aligned buckets', async () => {
    const a = await api();
    for (let i = 0; i < 3; i++) expect((await a.verify(a.secret)).statusCode).toBe(200); // 2 VALID, then RATE_LIMITED
    const other = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'o' }, CLI);
    await a.verify(other.secret);
    const byKey = await a.get(`?keyId=${a.key.id}&granularity=minute`);
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ granularity: 'minute', from: '2026-05-31T23:00:00.000Z', to: '2026-06-01T00:01:00.000Z' });
    expect(byKey.body.buckets).toEqual([{ start: '2026-06-01T00:00:00.000Z', total: 3, valid: 2, outcomes: { RATE_LIMITED: 1, VALID: 2 } }]);
    const byApp = await a.get(`?appId=${a.appId}`);
    expect(byApp.body).toMatchObject({ granularity: 'hour', buckets: [{ start: '2026-06-01T00:00:00.000Z', total: 4, valid: 3 }] });
    // An explicit window that ends before the verifications holds none of them.
    expect((await a.get(`?appId=${a.appId}&from=2026-05-30T00:00:00Z&to=2026-06-01T00:00:00Z`)).body.buckets).toEqual([]);
  });

  it('refuses bad input with VALIDATION_FAILED or NOT_FOUND, and non-root callers', async () => {
    const a = await api();
    const app2 = await a.kw.apps.create({ name: 'b' }, CLI);
    expect((await a.get('?granularity=week')).body.code).toBe('VALIDATION_FAILED');
    expect((await a.get('?from=yesterday')).body.code).toBe('VALIDATION_FAILED');
    expect((await a.get('?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z')).body.code).toBe('VALIDATION_FAILED');
    expect((await a.get('?granularity=minute&from=2026-01-01T00:00:00Z')).body.code).toBe('VALIDATION_FAILED'); // > 5 000 minute buckets
    expect((await a.get('?appId=app_0000000000000000000000')).body.code).toBe('NOT_FOUND');
    expect((await a.get('?keyId=key_0000000000000000000000')).body.code).toBe('NOT_FOUND');
    expect((await a.get(`?appId=${app2.id}&keyId=${a.key.id}`)).body.code).toBe('NOT_FOUND');
    const denied = await a.get(`?appId=${a.appId}`, a.secret);
    expect([401, 403]).toContain(denied.status);
    expect(await a.get('')).toMatchObject({ status: 200 });
  });

  it('is described in the OpenAPI document', async () => {
    const a = await api();
    const spec = (await a.server.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(spec.paths['/v1/analytics/verifications']?.get?.operationId).toBe('getAnalyticsVerifications');
  });
});

describe('the gateway records outcomes too', () => {
  it('a proxied call and a refused one are counted for the key (in memory until the next flush)', async () => {
    const a = await api();
    a.clock.set(Date.UTC(2026, 5, 1, 12));
    const up = await startUpstream();
    cleanups.push(up.close);
    const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - name: things\n    path: /things\n    methods: [GET]\n    allow: [secret]\n'));
    const policy = createGatewayPolicy({ kw: a.kw, map, limits: new MemoryRateLimitStore(), environment: 'live' });
    const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const url = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}/things`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(url, { headers: bearer(a.secret) });
      await res.body.dump();
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(a.kw.analytics.pendingEntries).toBe(1); // one key in one minute, two codes
    const res = await a.get(`?keyId=${a.key.id}&granularity=minute`);
    expect(res.body.buckets).toEqual([{ start: '2026-06-01T12:00:00.000Z', total: 3, valid: 2, outcomes: { RATE_LIMITED: 1, VALID: 2 } }]);
  });
});
