import { afterEach, describe, expect, it } from 'vitest';
import { attest, attestationApi, challenge, type AttestationApi } from './harness.js';
import { simulatedDevice } from './simulated-platform.js';

let api: AttestationApi;
afterEach(async () => api?.close());

const root = (a: AttestationApi) => ({ authorization: `Bearer ${a.root}` });

async function debugToken(a: AttestationApi, appId = a.appId, name = 'ci') {
  const r = await a.server.inject({ method: 'POST', url: '/v1/attestation/debug-tokens', headers: root(a), payload: { appId, name } });
  expect(r.statusCode).toBe(201);
  return r.json().token as string;
}

async function verifyCredential(a: AttestationApi, credential: string) {
  return (await a.server.inject({ method: 'POST', url: '/v1/verify', headers: root(a), payload: { credential } })).json();
}

describe('attestation flow (challenge → attest → app token)', () => {
  it('a simulated platform attests, gets an app token bound to app, environment and instance, and /v1/verify reports it attested', async () => {
    api = await attestationApi();
    const device = simulatedDevice();
    const ch = await challenge(api);
    const r = await attest(api, device.attest(ch), 'test', ch);
    expect(r.statusCode).toBe(201);
    expect(r.headers['cache-control']).toBe('no-store');
    const { appToken, instanceId } = r.json();
    const v = await verifyCredential(api, appToken);
    expect(v).toMatchObject({ valid: true, kind: 'app-token', attested: true, instanceId, appId: api.appId, environment: 'test', subject: instanceId });
    const instance = await api.kw.attestation.admin.getInstance(instanceId);
    expect(instance).toMatchObject({ platform: 'android', publicKeySpki: device.spki, counter: 0, status: 'active' });
    // Published in the JWKS like every Keyward token: its kid is there.
    const kid = JSON.parse(Buffer.from(appToken.split('.')[0], 'base64url').toString()).kid;
    expect((await api.kw.tokens.jwks()).keys.map((k) => k.kid)).toContain(kid);
    // The instance registration is audited.
    expect((await api.kw.store.listAudit({ limit: 100 })).some((a) => a.action === 'attestation.instance.register' && a.target === instanceId)).toBe(true);
  });

  it('a challenge is accepted once, and only by the app environment it was issued to', async () => {
    api = await attestationApi();
    const device = simulatedDevice();
    const ch = await challenge(api);
    expect((await attest(api, device.attest(ch), 'test', ch)).statusCode).toBe(201);
    const again = await attest(api, device.attest(ch), 'test', ch);
    expect([again.statusCode, again.json().code]).toEqual([401, 'ATTESTATION_CHALLENGE_INVALID']);
    const live = await challenge(api, 'live');
    const crossed = await attest(api, device.attest(live), 'test', live);
    expect(crossed.json().code).toBe('ATTESTATION_CHALLENGE_INVALID');
    const never = await attest(api, device.attest('A'.repeat(43)), 'test', 'A'.repeat(43));
    expect(never.json().code).toBe('ATTESTATION_CHALLENGE_INVALID');
  });

  it('a challenge expires after attestationChallengeTtlSeconds (frozen clock)', async () => {
    api = await attestationApi();
    const device = simulatedDevice();
    const ch = await challenge(api);
    api.clock.advance(api.kw.config.attestationChallengeTtlSeconds * 1000 + 1);
    expect((await attest(api, device.attest(ch), 'test', ch)).json().code).toBe('ATTESTATION_CHALLENGE_INVALID');
  });

  it('a signature over another challenge fails, and burns the challenge', async () => {
    api = await attestationApi();
    const device = simulatedDevice();
    const ch = await challenge(api);
    const other = await challenge(api);
    expect((await attest(api, device.attest(other), 'test', ch)).json().code).toBe('ATTESTATION_FAILED');
    expect((await attest(api, device.attest(ch), 'test', ch)).json().code).toBe('ATTESTATION_CHALLENGE_INVALID');
  });

  it('a platform without a verifier answers ATTESTATION_UNSUPPORTED, counted per platform and code', async () => {
    api = await attestationApi();
    const r = await attest(api, { platform: 'play_integrity', token: 'x'.repeat(40) });
    expect([r.statusCode, r.json().code]).toEqual([401, 'ATTESTATION_UNSUPPORTED']);
    const metrics = await api.kw.metrics.registry.getSingleMetricAsString('keyward_attestation_total');
    expect(metrics).toContain('keyward_attestation_total{platform="play_integrity",code="ATTESTATION_UNSUPPORTED"} 1');
  });

  it('per-key attestation quota: beyond maxAttestationsPerKeyPerHour, ATTESTATION_QUOTA with Retry-After', async () => {
    api = await attestationApi();
    await api.kw.attestation.settings.put(api.appId, 'test', { maxAttestationsPerKeyPerHour: 2 }, { actor: 't', requestId: 'r' });
    const token = await debugToken(api);
    expect((await attest(api, { platform: 'debug', token })).statusCode).toBe(201);
    expect((await attest(api, { platform: 'debug', token })).statusCode).toBe(201);
    const third = await attest(api, { platform: 'debug', token });
    expect([third.statusCode, third.json().code]).toEqual([429, 'ATTESTATION_QUOTA']);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('revoking an instance makes its app tokens answer REATTESTATION_REQUIRED; a store without it answers ATTESTATION_INSTANCE_UNKNOWN', async () => {
    api = await attestationApi();
    const device = simulatedDevice();
    const { appToken, instanceId } = (await attest(api, (ch: string) => device.attest(ch))).json();
    const revoke = await api.server.inject({ method: 'POST', url: `/v1/attestation/instances/${instanceId}/revoke`, headers: root(api) });
    expect(revoke.json().status).toBe('revoked');
    expect(await verifyCredential(api, appToken)).toMatchObject({ valid: false, code: 'REATTESTATION_REQUIRED' });
    // A backup restored from before the attestation: the token verifies, its instance is unknown.
    const fresh = (await attest(api, (ch: string) => simulatedDevice().attest(ch))).json();
    await api.kw.store.db.deleteFrom('app_instances').where('id', '=', fresh.instanceId).execute();
    api.kw.attestation.gate.clear();
    expect(await verifyCredential(api, fresh.appToken)).toMatchObject({ valid: false, code: 'ATTESTATION_INSTANCE_UNKNOWN' });
  });

  it('an instance older than reattestAfterSeconds must attest again', async () => {
    api = await attestationApi();
    await api.kw.attestation.settings.put(api.appId, 'test', { reattestAfterSeconds: 600, appTokenTtlSeconds: 3600 }, { actor: 't', requestId: 'r' });
    const { appToken } = (await attest(api, (ch: string) => simulatedDevice().attest(ch))).json();
    expect((await verifyCredential(api, appToken)).valid).toBe(true);
    api.clock.advance(601_000);
    api.kw.attestation.gate.clear();
    expect(await verifyCredential(api, appToken)).toMatchObject({ valid: false, code: 'REATTESTATION_REQUIRED' });
  });

  it('the app token TTL is the app setting (default 1 h), bounded', async () => {
    api = await attestationApi();
    const first = (await attest(api, (ch: string) => simulatedDevice().attest(ch))).json();
    expect(Date.parse(first.expiresAt) - api.clock()).toBe(3600_000);
    await api.kw.attestation.settings.put(api.appId, 'test', { appTokenTtlSeconds: 600 }, { actor: 't', requestId: 'r' });
    const second = (await attest(api, (ch: string) => simulatedDevice().attest(ch))).json();
    expect(Date.parse(second.expiresAt) - api.clock()).toBe(600_000);
    const tooShort = await api.server.inject({ method: 'PUT', url: '/v1/attestation/config', headers: root(api), payload: { appId: api.appId, environment: 'test', appTokenTtlSeconds: 5 } });
    expect([tooShort.statusCode, tooShort.json().code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('backend minting may not forge an app token (kw_instance is reserved)', async () => {
    api = await attestationApi();
    await expect(api.kw.tokens.mint({ appId: api.appId, environment: 'test', subject: 's', scopes: [], audience: 'x', ttlSeconds: 60, claims: { kw_instance: 'ins_x', kw_attested: true } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('debug provider', () => {
  it('a debug token attests in test, is refused in live with DEBUG_TOKEN_NOT_ALLOWED, and is shown once, stored hashed', async () => {
    api = await attestationApi();
    const token = await debugToken(api);
    expect((await attest(api, { platform: 'debug', token })).statusCode).toBe(201);
    const live = await attest(api, { platform: 'debug', token }, 'live');
    expect([live.statusCode, live.json().code]).toEqual([403, 'DEBUG_TOKEN_NOT_ALLOWED']);
    const listed = await api.server.inject({ method: 'GET', url: `/v1/attestation/debug-tokens?appId=${api.appId}`, headers: root(api) });
    expect(listed.body).not.toContain(token);
    const rows = await api.kw.store.db.selectFrom('attestation_debug_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('another app\'s debug token is ATTESTATION_WRONG_APP; a revoked one fails; at most 10 per app', async () => {
    api = await attestationApi();
    const other = await api.kw.apps.create({ name: 'other' }, { actor: 't', requestId: 'r' });
    const foreign = await debugToken(api, other.id);
    expect((await attest(api, { platform: 'debug', token: foreign })).json().code).toBe('ATTESTATION_WRONG_APP');
    const mine = await debugToken(api);
    const id = (await api.server.inject({ method: 'GET', url: `/v1/attestation/debug-tokens?appId=${api.appId}`, headers: root(api) })).json().items[0].id;
    await api.server.inject({ method: 'POST', url: `/v1/attestation/debug-tokens/${id}/revoke`, headers: root(api), payload: { appId: api.appId } });
    expect((await attest(api, { platform: 'debug', token: mine })).json().code).toBe('ATTESTATION_FAILED');
    for (let i = 0; i < 10; i++) await debugToken(api, api.appId, `t${i}`);
    const over = await api.server.inject({ method: 'POST', url: '/v1/attestation/debug-tokens', headers: root(api), payload: { appId: api.appId, name: 'eleventh' } });
    expect([over.statusCode, over.json().code]).toEqual([409, 'CONFLICT']);
  });
});

describe('runtime secrets', () => {
  it('an attested instance fetches the secrets its app environment allows, never cached, every fetch audited', async () => {
    api = await attestationApi();
    await api.kw.secrets.set({ appId: api.appId, environment: 'test', name: 'maps_key', value: 'maps-secret-value-123' }, { actor: 't', requestId: 'r' });
    await api.kw.secrets.set({ appId: api.appId, environment: 'test', name: 'server_only', value: 'server-only-value-456' }, { actor: 't', requestId: 'r' });
    await api.kw.attestation.settings.put(api.appId, 'test', { runtimeSecrets: ['maps_key'] }, { actor: 't', requestId: 'r' });
    const { appToken, instanceId } = (await attest(api, (ch: string) => simulatedDevice().attest(ch))).json();
    const r = await api.server.inject({ method: 'GET', url: '/v1/attest/secrets', headers: { authorization: `Bearer ${appToken}` } });
    expect(r.statusCode).toBe(200);
    expect(r.json().secrets).toEqual({ maps_key: 'maps-secret-value-123' });
    expect([r.headers['cache-control'], r.headers.pragma]).toEqual(['no-store', 'no-cache']);
    const audit = (await api.kw.store.listAudit({ limit: 100 })).filter((a) => a.action === 'attestation.runtime_secrets.fetch');
    expect(audit.map((a) => [a.actor, a.data])).toEqual([[instanceId, { appId: api.appId, environment: 'test', names: ['maps_key'] }]]);
    expect(JSON.stringify(audit)).not.toContain('maps-secret-value');
    // A publishable key is not an attested instance.
    const pk = await api.server.inject({ method: 'GET', url: '/v1/attest/secrets', headers: { authorization: `Bearer ${api.pk.test}` } });
    expect(pk.statusCode).toBe(401);
  });
});
