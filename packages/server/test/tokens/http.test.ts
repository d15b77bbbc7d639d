import { afterEach, describe, expect, it } from 'vitest';
import { bearer, CLI, makeApi } from '../helpers.js';

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api | undefined;
afterEach(async () => {
  await api?.server.close();
  await api?.kw.close();
  api = undefined;
});

/** An app with a live secret key (the "backend") and a second app with its own. */
async function setup() {
  api = await makeApi();
  const { server, root, appId, kw } = api;
  const secretFor = async (id: string) => (await server.inject({ method: 'POST', url: `/v1/apps/${id}/keys`, headers: bearer(root), payload: { kind: 'secret', environment: 'live', name: 'backend' } })).json().secret as string;
  const otherApp = (await kw.apps.create({ name: 'other' }, CLI)).id;
  return { ...api, sk: await secretFor(appId), otherSk: await secretFor(otherApp), otherApp };
}

const post = (a: Api, url: string, key: string, payload: unknown) => a.server.inject({ method: 'POST', url, headers: bearer(key), payload: payload as never });
const upload = { subject: 'user_1', audience: 'uploads', scopes: ['files:write'], ttlSeconds: 120 };

describe('tokens over HTTP', () => {
  it('every token route declares its auth', async () => {
    const { server } = await setup();
    const table = server.routeTable.filter((r) => (r.url.includes('token') && !r.url.startsWith('/v1/attestation/')) || r.url.includes('jwks') || r.url.includes('signing-keys'));
    expect(table.map((r) => `${r.method} ${r.url} ${r.auth}`).sort()).toEqual([
      'GET /.well-known/jwks.json public',
      'GET /v1/signing-keys root',
      'POST /v1/signing-keys/rotate root',
      'POST /v1/tokens root-or-secret',
      'POST /v1/tokens/:jti/revoke root-or-secret',
      'POST /v1/tokens/verify root-or-secret',
    ]);
  });

  it('upload-token pattern: the backend mints with its secret key, the upload service verifies once', async () => {
    const a = await setup();
    const minted = await post(a, '/v1/tokens', a.sk, { ...upload, singleUse: true });
    expect(minted.statusCode).toBe(201);
    expect(minted.headers['cache-control']).toBe('no-store');
    const { token, jti, kid, expiresAt } = minted.json();
    expect(kid).toMatch(/^jwk_/);
    expect(expiresAt).toBe(new Date(a.clock() + 120_000).toISOString());
    const v1 = await post(a, '/v1/tokens/verify', a.sk, { token, audience: 'uploads', scopes: ['files:write'] });
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ valid: true, code: 'VALID', jti, subject: 'user_1', appId: a.appId, environment: 'live', scopes: ['files:write'], audience: 'uploads', singleUse: true });
    const v2 = await post(a, '/v1/tokens/verify', a.sk, { token, audience: 'uploads' });
    expect(v2.statusCode).toBe(200);
    expect(Object.keys(v2.json()).sort()).toEqual(['code', 'requestId', 'valid']); // no reason leaks
    expect(v2.json()).toMatchObject({ valid: false, code: 'TOKEN_ALREADY_USED' });
  });

  it('a secret key mints and verifies only in its own app and environment; a root key must name both', async () => {
    const a = await setup();
    expect((await post(a, '/v1/tokens', a.sk, { ...upload, appId: a.otherApp })).json().code).toBe('FORBIDDEN');
    expect((await post(a, '/v1/tokens', a.sk, { ...upload, environment: 'test' })).json().code).toBe('FORBIDDEN');
    expect((await post(a, '/v1/tokens', a.root, upload)).json().code).toBe('VALIDATION_FAILED');
    const { token } = (await post(a, '/v1/tokens', a.root, { ...upload, appId: a.appId, environment: 'live' })).json();
    expect((await post(a, '/v1/tokens/verify', a.otherSk, { token })).json()).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
    expect((await post(a, '/v1/tokens/verify', a.sk, { token })).json()).toMatchObject({ valid: true });
    expect((await post(a, '/v1/tokens/verify', a.root, { token, appId: a.otherApp })).json()).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
  });

  it("TTL above the app's cap is refused with a pointer, not shortened; unknown fields and kw_* claims are refused", async () => {
    const a = await setup();
    const over = await post(a, '/v1/tokens', a.sk, { ...upload, ttlSeconds: 3601 });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/ttlSeconds' }] });
    expect((await post(a, '/v1/tokens', a.sk, { ...upload, ttlSeconds: 3600 })).statusCode).toBe(201);
    expect((await post(a, '/v1/tokens', a.sk, { ...upload, admin: true })).json().code).toBe('VALIDATION_FAILED');
    const attested = await post(a, '/v1/tokens', a.sk, { ...upload, claims: { kw_attested: true } });
    expect(attested.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/claims/kw_attested' }] });
    expect((await post(a, '/v1/tokens', a.sk, { ...upload, claims: { iss: 'x' } })).json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/claims/iss' }] });
  });

  it('forged tokens get 200 {valid: false, code} from the verify route', async () => {
    const a = await setup();
    const { token } = (await post(a, '/v1/tokens', a.sk, upload)).json();
    const [h, p] = token.split('.');
    for (const forged of [`${h}.${p}.AAAA`, 'eyJhbGciOiJub25lIn0.e30.', `${token}x`]) {
      const r = await post(a, '/v1/tokens/verify', a.sk, { token: forged });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ valid: false, code: 'TOKEN_INVALID', requestId: r.headers['x-request-id'] });
    }
  });

  it('JWKS: public, short max-age, public parts only, with the minting kid', async () => {
    const a = await setup();
    const { kid } = (await post(a, '/v1/tokens', a.sk, upload)).json();
    const r = await a.server.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=300');
    const { keys } = r.json() as { keys: Record<string, string>[] };
    expect(keys.map((k) => k.kid)).toContain(kid);
    for (const k of keys) {
      expect(k).not.toHaveProperty('d');
      expect(k).toMatchObject({ use: 'sig', alg: expect.stringMatching(/^(EdDSA|ES256)$/), kid: expect.stringMatching(/^jwk_/) });
    }
  });

  it('rotation: root only, audited with the caller; the new kid is published at once and signs from activatesAt; old tokens keep verifying', async () => {
    const a = await setup();
    const old = (await post(a, '/v1/tokens', a.sk, { ...upload, ttlSeconds: 3600 })).json();
    expect((await post(a, '/v1/signing-keys/rotate', a.sk, {})).json().code).toBe('FORBIDDEN');
    const rotated = await post(a, '/v1/signing-keys/rotate', a.root, { alg: 'EdDSA' });
    expect(rotated.statusCode).toBe(200);
    const { kid, alg, state, createdAt, activatesAt } = rotated.json();
    expect([alg, state, createdAt, activatesAt]).toEqual(['EdDSA', 'pending', new Date(a.clock()).toISOString(), new Date(a.clock() + 360_000).toISOString()]);
    const jwks = async () => ((await a.server.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await jwks()).toEqual(expect.arrayContaining([old.kid, kid]));
    expect((await post(a, '/v1/tokens', a.sk, upload)).json().kid).toBe(old.kid);
    const again = await post(a, '/v1/signing-keys/rotate', a.root, { alg: 'EdDSA' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'CONFLICT']);
    a.clock.advance(360_000);
    expect((await post(a, '/v1/tokens', a.sk, upload)).json().kid).toBe(kid);
    expect((await post(a, '/v1/tokens/verify', a.sk, { token: old.token })).json()).toMatchObject({ valid: true });
    const audit = await a.kw.store.listAudit({ limit: 100, target: kid });
    expect(audit.map((r) => r.action)).toEqual(['signing_key.rotate']);
    expect(audit[0]!.actor).toMatch(/^key_/);
    expect(audit[0]!.data).toMatchObject({ alg: 'EdDSA', immediate: false, activatesAtMs: a.clock() });
  });

  it('emergency rotation: immediate signs at once; revokePrevious refuses the old tokens at once; revokePrevious alone is refused', async () => {
    const a = await setup();
    const old = (await post(a, '/v1/tokens', a.sk, upload)).json();
    const alone = await post(a, '/v1/signing-keys/rotate', a.root, { revokePrevious: true });
    expect([alone.statusCode, alone.json().code, alone.json().errors?.[0]?.pointer]).toEqual([400, 'VALIDATION_FAILED', '/body/revokePrevious']);
    expect((await post(a, '/v1/tokens/verify', a.sk, { token: old.token })).json()).toMatchObject({ valid: true });
    const rotated = await post(a, '/v1/signing-keys/rotate', a.root, { immediate: true, revokePrevious: true });
    expect(rotated.statusCode).toBe(200);
    const { kid, state, createdAt, activatesAt } = rotated.json();
    expect([state, activatesAt]).toEqual(['active', createdAt]);
    expect((await post(a, '/v1/tokens', a.sk, upload)).json().kid).toBe(kid);
    expect((await post(a, '/v1/tokens/verify', a.sk, { token: old.token })).json()).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
    const audit = await a.kw.store.listAudit({ limit: 100, target: kid });
    expect(audit[0]!.data).toMatchObject({ alg: 'EdDSA', immediate: true, revokePrevious: true, demoted: [old.kid] });
  });

  it('the schedule: a rotated key is listed as published, signs from activatesAt without a store write, and the replaced key shows when it retires', async () => {
    const a = await setup();
    const list = async () => (await a.server.inject({ method: 'GET', url: '/v1/signing-keys', headers: bearer(a.root) })).json().items as Array<Record<string, unknown>>;
    expect((await a.server.inject({ method: 'GET', url: '/v1/signing-keys', headers: bearer(a.sk) })).json().code).toBe('FORBIDDEN');
    const before = (await list()).filter((k) => k.alg === 'EdDSA');
    expect(before).toEqual([expect.objectContaining({ state: 'active', signsNow: true, verifiesNow: true, retiresAt: null })]);
    const { kid, activatesAt } = (await post(a, '/v1/signing-keys/rotate', a.root, { alg: 'EdDSA' })).json();
    const pending = (await list()).filter((k) => k.alg === 'EdDSA');
    expect(pending[0]).toMatchObject({ kid, state: 'pending', publishedAt: new Date(a.clock()).toISOString(), activatesAt, signsNow: false, verifiesNow: true });
    expect(pending[1]).toMatchObject({ kid: before[0]!.kid, signsNow: true });
    a.clock.advance(360_000);
    // Due but not yet recorded: the list says what every node does now (the pending key signs).
    const due = (await list()).filter((k) => k.alg === 'EdDSA');
    expect(due.map((k) => [k.kid, k.state, k.signsNow])).toEqual([
      [kid, 'pending', true],
      [before[0]!.kid, 'active', false],
    ]);
    await a.kw.tokens.maintain();
    const recorded = (await list()).filter((k) => k.alg === 'EdDSA');
    expect(recorded[0]).toMatchObject({ kid, state: 'active', signsNow: true });
    expect(recorded[1]).toMatchObject({ state: 'published', verifiesNow: true, signsNow: false });
    expect(Date.parse(recorded[1]!.retiresAt as string)).toBeGreaterThan(a.clock());
  });
});
