import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import { bearer, makeApi } from '../helpers.js';

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
afterEach(async () => {
  await api?.server.close();
  await api?.kw.close();
});

const verify = (auth: string, body: Record<string, unknown>) => api.server.inject({ method: 'POST', url: '/v1/keys/verify', headers: bearer(auth), payload: body });

async function key(body: Record<string, unknown>) {
  return (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: body })).json() as { key: { id: string }; secret: string };
}

describe('POST /v1/keys/verify', () => {
  it('answers 200 {valid, code, …} for a valid key', async () => {
    api = await makeApi();
    const pk = await key({ kind: 'publishable', environment: 'live', name: 'app', scopes: ['profile:read'], meta: { plan: 'pro' } });
    const res = await verify(api.root, { key: pk.secret, environment: 'live', subject: 'user_1', scopes: ['profile:read'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ valid: true, code: 'VALID', keyId: pk.key.id, appId: api.appId, kind: 'publishable', environment: 'live', subject: 'user_1', scopes: ['profile:read'], meta: { plan: 'pro' } });
  });

  it('unknown, revoked and wrong-environment keys give byte-identical answers apart from the request id', async () => {
    api = await makeApi();
    const revoked = await key({ kind: 'secret', environment: 'live', name: 'r' });
    await api.kw.keys.revoke(revoked.key.id, 'test', { actor: 't', requestId: 'r' });
    const testEnv = await key({ kind: 'secret', environment: 'test', name: 't' });
    const answers = await Promise.all([
      verify(api.root, { key: generateKey('secret', 'live'), environment: 'live' }),
      verify(api.root, { key: revoked.secret, environment: 'live' }),
      verify(api.root, { key: testEnv.secret, environment: 'live' }),
    ]);
    const shapes = answers.map((r) => {
      expect(r.statusCode).toBe(200);
      const { requestId, ...rest } = r.json();
      expect(requestId).toMatch(/^req_/);
      return JSON.stringify(rest);
    });
    expect(new Set(shapes).size).toBe(1);
    expect(JSON.parse(shapes[0]!)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL' });
    // …while the metrics keep the real reasons
    const metrics = await api.kw.metrics.registry.getSingleMetricAsString('keyward_verifications_total');
    for (const reason of ['NOT_FOUND', 'REVOKED', 'WRONG_ENVIRONMENT']) expect(metrics).toContain(`reason="${reason}"`);
  });

  it('a malformed key is a 400 KEY_MALFORMED problem', async () => {
    api = await makeApi();
    const good = generateKey('secret', 'live');
    const res = await verify(api.root, { key: `${good.slice(0, -1)}${good.endsWith('a') ? 'b' : 'a'}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('KEY_MALFORMED');
  });

  it('a secret key verifies only within its own app and environment', async () => {
    api = await makeApi();
    const sk = await key({ kind: 'secret', environment: 'live', name: 'backend' });
    const pkLive = await key({ kind: 'publishable', environment: 'live', name: 'a' });
    const pkTest = await key({ kind: 'publishable', environment: 'test', name: 'b' });
    expect((await verify(sk.secret, { key: pkLive.secret, subject: 'u' })).json()).toMatchObject({ valid: true });
    expect((await verify(sk.secret, { key: pkTest.secret, subject: 'u' })).json()).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect((await verify(sk.secret, { key: pkTest.secret, environment: 'test' })).json()).toMatchObject({ code: 'FORBIDDEN' });
    const pk = await key({ kind: 'publishable', environment: 'live', name: 'c' });
    expect((await verify(pk.secret, { key: pkLive.secret })).json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('publishable keys must name a subject; kinds and scopes are enforced', async () => {
    api = await makeApi();
    const pk = await key({ kind: 'publishable', environment: 'live', name: 'app', scopes: ['profile:read'] });
    expect((await verify(api.root, { key: pk.secret })).json()).toMatchObject({ valid: false, code: 'SUBJECT_REQUIRED' });
    expect((await verify(api.root, { key: pk.secret, subject: 'u', kinds: ['secret'] })).json()).toMatchObject({ code: 'KIND_NOT_ALLOWED' });
    expect((await verify(api.root, { key: pk.secret, subject: 'u', scopes: ['profile:write'] })).json()).toMatchObject({ code: 'INSUFFICIENT_SCOPES' });
  });

  it('metered keys spend credits per call (cost, 0 to check), refuse at zero with USAGE_EXCEEDED, and refill each day', async () => {
    api = await makeApi();
    api.clock.set(Date.UTC(2026, 5, 1, 10));
    const metered = await key({ kind: 'secret', environment: 'live', name: 'metered', credits: { amount: 3, refill: 'daily' } });
    expect((await verify(api.root, { key: metered.secret })).json()).toMatchObject({ valid: true, creditsRemaining: 2 });
    expect((await verify(api.root, { key: metered.secret, cost: 0 })).json()).toMatchObject({ valid: true, creditsRemaining: 2 });
    // a call refused for another reason spends nothing
    expect((await verify(api.root, { key: metered.secret, kinds: ['publishable'] })).json()).toMatchObject({ valid: false, code: 'KIND_NOT_ALLOWED' });
    expect((await verify(api.root, { key: metered.secret, cost: 2 })).json()).toMatchObject({ valid: true, creditsRemaining: 0 });
    const refused = (await verify(api.root, { key: metered.secret })).json();
    expect(refused).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', keyId: metered.key.id });
    expect(refused.creditsRemaining).toBeUndefined();
    const shown = (await api.server.inject({ method: 'GET', url: `/v1/keys/${metered.key.id}`, headers: bearer(api.root) })).json();
    expect(shown.credits).toEqual({ amount: 3, refill: 'daily', remaining: 0 });
    api.clock.set(Date.UTC(2026, 5, 2, 0, 0, 1));
    expect((await verify(api.root, { key: metered.secret })).json()).toMatchObject({ valid: true, creditsRemaining: 2 });
  });

  it('credits are validated: amount ≥ 1 and a refill of daily, monthly or at least 60 s', async () => {
    api = await makeApi();
    const bad = async (credits: unknown) => (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: { kind: 'secret', environment: 'live', name: 'x', credits } })).json().code;
    expect(await bad({ amount: 0, refill: null })).toBe('VALIDATION_FAILED');
    expect(await bad({ amount: 5, refill: 'hourly' })).toBe('VALIDATION_FAILED');
    expect(await bad({ amount: 5, refill: { intervalSeconds: 10 } })).toBe('VALIDATION_FAILED');
    expect(await bad({ amount: 5 })).toBe('VALIDATION_FAILED');
  });
});
