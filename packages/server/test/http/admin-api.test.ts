import type { InjectOptions } from 'light-my-request';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import { bearer, makeApi } from '../helpers.js';

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
afterEach(async () => {
  await api?.server.close();
  await api?.kw.close();
});

async function createKey(body: Record<string, unknown>) {
  const res = await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: body });
  return res;
}

describe('admin API', () => {
  it('creates a key, shows the secret once, and never again', async () => {
    api = await makeApi();
    const res = await createKey({ kind: 'publishable', environment: 'live', name: 'ios app', scopes: ['profile:read'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { key, secret } = res.json();
    expect(secret).toMatch(/^kw_pk_live_/);
    expect(key.start).toBe(`${secret.slice(0, 15)}…`);
    const get = await api.server.inject({ method: 'GET', url: `/v1/keys/${key.id}`, headers: bearer(api.root) });
    expect(get.statusCode).toBe(200);
    expect(get.body).not.toContain(secret);
    const list = await api.server.inject({ method: 'GET', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root) });
    expect(list.json().items).toHaveLength(1);
    expect(list.body).not.toContain(secret);
  });

  it('rotate, revoke and reissue over HTTP', async () => {
    api = await makeApi();
    const { key, secret } = (await createKey({ kind: 'secret', environment: 'test', name: 'backend' })).json();
    const rot = await api.server.inject({ method: 'POST', url: `/v1/keys/${key.id}/rotate`, headers: bearer(api.root), payload: { gracePeriodSeconds: 0 } });
    expect(rot.statusCode).toBe(200);
    expect(rot.json().secret).not.toBe(secret);
    const rev = await api.server.inject({ method: 'POST', url: `/v1/keys/${key.id}/revoke`, headers: bearer(api.root), payload: { reason: 'test' } });
    expect(rev.json()).toMatchObject({ revokedReason: 'test' });
    const re = await api.server.inject({ method: 'POST', url: `/v1/keys/${key.id}/reissue`, headers: bearer(api.root) });
    expect(re.statusCode).toBe(201);
    expect(re.json().key.reissuedFromId).toBe(key.id);
  });

  it('every admin route refuses a missing, malformed, wrong-kind or revoked credential', async () => {
    api = await makeApi();
    const sk = (await createKey({ kind: 'secret', environment: 'live', name: 'backend' })).json().secret;
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'UNAUTHORIZED'],
      [{ authorization: 'Basic abc' }, 401, 'UNAUTHORIZED'],
      [bearer('kw_root_notarealkeyatall'), 400, 'KEY_MALFORMED'],
      [bearer(generateKey('root', null)), 401, 'UNAUTHORIZED'],
      [bearer(sk), 403, 'FORBIDDEN'],
      [{ ...bearer(api.root), 'x-api-key': sk }, 400, 'AMBIGUOUS_CREDENTIALS'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await api.server.inject({ method: 'GET', url: '/v1/apps', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code, status });
      expect(res.json().requestId).toMatch(/^req_/);
    }
    const viaHeader = await api.server.inject({ method: 'GET', url: '/v1/apps', headers: { 'x-api-key': api.root } });
    expect(viaHeader.statusCode).toBe(200);
  });

  it('bad input gets a specific problem code, never a stack trace', async () => {
    api = await makeApi();
    const h = { ...bearer(api.root), 'content-type': 'application/json' };
    const cases: [InjectOptions, number, string][] = [
      [{ method: 'POST', url: '/v1/apps', headers: h, payload: '{"name":' }, 400, 'MALFORMED_JSON'],
      [{ method: 'POST', url: '/v1/apps', headers: h, payload: { name: 'x', admin: true } }, 400, 'VALIDATION_FAILED'],
      [{ method: 'POST', url: '/v1/apps', headers: h, payload: { name: 'x'.repeat(100_000) } }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ method: 'POST', url: '/v1/apps', headers: { ...bearer(api.root), 'content-type': 'text/plain' }, payload: 'name=x' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ method: 'GET', url: '/v1/keys/not-an-id', headers: h }, 400, 'VALIDATION_FAILED'],
      [{ method: 'GET', url: '/v1/keys/key_0000000000000000000000', headers: h }, 404, 'NOT_FOUND'],
      [{ method: 'GET', url: '/v1/nothing-here', headers: h }, 404, 'ROUTE_NOT_FOUND'],
      [{ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: h, payload: { kind: 'root', environment: 'live', name: 'x' } }, 400, 'VALIDATION_FAILED'],
      [{ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: h, payload: { kind: 'secret', environment: 'prod', name: 'x' } }, 400, 'VALIDATION_FAILED'],
      [{ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: h, payload: { kind: 'secret', environment: 'live', name: 'x', expiresAt: 'tomorrow' } }, 400, 'VALIDATION_FAILED'],
      [{ method: 'GET', url: '/v1/apps?limit=abc', headers: h }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [req, status, code] of cases) {
      const res = await api.server.inject(req);
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(status);
      expect(res.json()).toMatchObject({ code });
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
    expect((await api.kw.keys.list({ appId: api.appId, includeRevoked: true }, { limit: 10 })).items).toHaveLength(0);
  });

  it('a key in a URL is refused, marked exposed, audited, and revoked when the app asks for it', async () => {
    api = await makeApi();
    const { key, secret } = (await createKey({ kind: 'publishable', environment: 'live', name: 'app' })).json();
    const res = await api.server.inject({ method: 'GET', url: `/healthz?api_key=${secret}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('KEY_IN_URL');
    expect(res.body).not.toContain(secret);
    const after = await api.kw.keys.get(key.id);
    expect(after.exposedAtMs).not.toBeNull();
    expect(after.revokedAtMs).toBeNull();
    expect((await api.kw.store.listAudit({ limit: 50, target: key.id })).map((r) => r.action)).toContain('key.exposed');

    await api.server.inject({ method: 'PATCH', url: `/v1/apps/${api.appId}`, headers: bearer(api.root), payload: { settings: { revokeKeysSeenInUrls: true } } });
    const encoded = encodeURIComponent(secret).replace('_', '%5F');
    const res2 = await api.server.inject({ method: 'GET', url: `/v1/apps?x=${encoded}`, headers: bearer(api.root) });
    expect(res2.json().code).toBe('KEY_IN_URL');
    expect((await api.kw.keys.get(key.id)).revokedReason).toBe('exposed: url (api)');
    expect((await api.kw.verifier.verify(secret, { subject: 'u' })).valid).toBe(false);
  });

  it('the audit endpoint pages through a chained log', async () => {
    api = await makeApi();
    for (let i = 0; i < 3; i++) await createKey({ kind: 'secret', environment: 'live', name: `k${i}` });
    const first = await api.server.inject({ method: 'GET', url: '/v1/audit?limit=2', headers: bearer(api.root) });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.items).toHaveLength(2);
    const second = await api.server.inject({ method: 'GET', url: `/v1/audit?limit=10&after=${body.next}`, headers: bearer(api.root) });
    const all = [...body.items, ...second.json().items];
    expect(all.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[4].prevHash).toBe(all[3].hash);
    expect(JSON.stringify(all)).not.toMatch(/kw_(sk|root)_(live_)?[0-9A-Za-z]{38}/);
  });

  it('health, readiness, metrics and the OpenAPI description', async () => {
    api = await makeApi();
    expect((await api.server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await api.server.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready', store: 'sqlite' });
    expect((await api.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const metrics = await api.server.inject({ method: 'GET', url: '/metrics', headers: bearer(api.root) });
    expect(metrics.body).toContain('keyward_verifications_total');
    const spec = (await api.server.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    for (const p of ['/v1/apps', '/v1/apps/{appId}/keys', '/v1/keys/{keyId}', '/v1/keys/{keyId}/rotate', '/v1/keys/{keyId}/revoke', '/v1/keys/{keyId}/reissue', '/v1/keys/verify', '/v1/audit']) {
      expect(spec.paths[p], p).toBeDefined();
    }
  });
});
