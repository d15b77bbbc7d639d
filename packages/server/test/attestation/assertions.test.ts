import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { assertionClientData } from '../../src/attestation/assertion.js';
import { createGuard } from '../../src/middleware/core.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { attest, attestationApi, type AttestationApi } from './harness.js';
import { simulatedDevice, type SimulatedDevice } from './simulated-platform.js';

let api: AttestationApi;
afterEach(async () => api?.close());

const MAP = `version: 1
resources:
  - { path: /feed, methods: [GET], allow: [app-token], require: [attestation] }
  - { path: /pay, methods: [POST], allow: [app-token], require: [assertion] }
  - { path: /beta, methods: [GET], allow: [app-token, publishable], require: [attestation], monitor: true }
  - { path: /beta-pay, methods: [POST], allow: [app-token], require: [assertion], monitor: true }
  - { path: /open, methods: [GET], allow: [app-token, publishable], require: [attestation] }
`;

async function setup() {
  api = await attestationApi();
  const guard = createGuard({ verifiers: api.kw.credentials, accessMap: compileAccessMap(parseAccessMap(MAP)), attestation: api.kw.attestation.gate, limits: api.kw.limits, now: api.kw.now });
  const device = simulatedDevice();
  const { appToken } = (await attest(api, (ch: string) => device.attest(ch))).json();
  const jti = JSON.parse(Buffer.from(appToken.split('.')[1], 'base64url').toString()).jti as string;
  return { guard, device, appToken, jti };
}

function request(method: string, target: string, headers: Record<string, string>, body?: string) {
  const h: Record<string, string> = { ...headers };
  if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
  return { method, rawTarget: target, path: target.split('?')[0]!, headers: h, rawHeaders: Object.entries(h).flat(), clientIp: '127.0.0.1', ...(body !== undefined ? { body: Buffer.from(body) } : {}) };
}

function signedPay(device: SimulatedDevice, appToken: string, jti: string, counter: number, body = '{"amount":5}', target = '/pay') {
  const contentDigest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  const assertion = device.assert(assertionClientData({ method: 'POST', target, contentDigest, tokenJti: jti }), counter);
  return request('POST', target, { authorization: `Bearer ${appToken}`, 'content-digest': contentDigest, 'keyward-assertion': assertion }, body);
}

const monitored = async (a: AttestationApi) => (await a.kw.metrics.registry.getSingleMetricAsString('keyward_attestation_monitored_total')).split('\n').filter((l) => !l.startsWith('#') && l.trim());

describe('access map: require attestation / assertion, enforced through the one pipeline', () => {
  it('an app token opens require: [attestation]; a publishable key is ATTESTATION_REQUIRED', async () => {
    const s = await setup();
    expect(await s.guard(request('GET', '/feed', { authorization: `Bearer ${s.appToken}` }))).toMatchObject({ ok: true, caller: { kind: 'app-token', attested: true } });
    expect(await s.guard(request('GET', '/open', { 'x-api-key': api.pk.test, 'x-keyward-subject': 'u1' }))).toMatchObject({ ok: false, status: 401, body: { code: 'ATTESTATION_REQUIRED' } });
  });

  it('an assertion with a rising counter passes; the same counter again is ASSERTION_COUNTER_REPLAYED; none is ASSERTION_REQUIRED', async () => {
    const s = await setup();
    expect(await s.guard(signedPay(s.device, s.appToken, s.jti, 1))).toMatchObject({ ok: true });
    expect(await s.guard(signedPay(s.device, s.appToken, s.jti, 1))).toMatchObject({ ok: false, body: { code: 'ASSERTION_COUNTER_REPLAYED' } });
    expect(await s.guard(signedPay(s.device, s.appToken, s.jti, 7))).toMatchObject({ ok: true });
    expect(await s.guard(signedPay(s.device, s.appToken, s.jti, 3))).toMatchObject({ ok: false, body: { code: 'ASSERTION_COUNTER_REPLAYED' } });
    expect(await s.guard(request('POST', '/pay', { authorization: `Bearer ${s.appToken}` }, '{}'))).toMatchObject({ ok: false, body: { code: 'ASSERTION_REQUIRED' } });
  });

  it('an assertion is bound to method, target, body digest, token and key: each change is ASSERTION_INVALID', async () => {
    const s = await setup();
    const good = signedPay(s.device, s.appToken, s.jti, 1);
    // Another body under the same digest header and assertion.
    expect(await s.guard({ ...good, body: Buffer.from('{"amount":500}'), headers: { ...good.headers, 'content-length': '14' } })).toMatchObject({ ok: false, body: { code: 'ASSERTION_INVALID' } });
    // Signed for another token's jti.
    expect(await s.guard(signedPay(s.device, s.appToken, 'another-jti', 2))).toMatchObject({ ok: false, body: { code: 'ASSERTION_INVALID' } });
    // Signed for another target.
    const other = signedPay(s.device, s.appToken, s.jti, 3, '{"amount":5}', '/pay?x=1');
    expect(await s.guard({ ...other, rawTarget: '/pay', path: '/pay' })).toMatchObject({ ok: false, body: { code: 'ASSERTION_INVALID' } });
    // Signed by another key.
    expect(await s.guard(signedPay(simulatedDevice(), s.appToken, s.jti, 4))).toMatchObject({ ok: false, body: { code: 'ASSERTION_INVALID' } });
    // Malformed.
    expect(await s.guard({ ...good, headers: { ...good.headers, 'keyward-assertion': 'x.y' } })).toMatchObject({ ok: false, body: { code: 'ASSERTION_INVALID' } });
    // The untouched request still passes (none of the refusals advanced the counter).
    expect(await s.guard(good)).toMatchObject({ ok: true });
  });

  it('50 concurrent uses of one counter: exactly one accepted (compare-and-set in the store)', async () => {
    const s = await setup();
    const reqs = Array.from({ length: 50 }, () => signedPay(s.device, s.appToken, s.jti, 5));
    const outcomes = await Promise.all(reqs.map((r) => s.guard(r)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.body.code === 'ASSERTION_COUNTER_REPLAYED')).toHaveLength(49);
  });

  it('an instance without an attested key (debug) cannot assert', async () => {
    api = await attestationApi();
    const token = (await api.server.inject({ method: 'POST', url: '/v1/attestation/debug-tokens', headers: { authorization: `Bearer ${api.root}` }, payload: { appId: api.appId, name: 'sim' } })).json().token;
    const { appToken } = (await attest(api, { platform: 'debug', token })).json();
    const guard = createGuard({ verifiers: api.kw.credentials, accessMap: compileAccessMap(parseAccessMap(MAP)), attestation: api.kw.attestation.gate, limits: api.kw.limits, now: api.kw.now });
    const jti = JSON.parse(Buffer.from(appToken.split('.')[1], 'base64url').toString()).jti;
    expect(await guard(signedPay(simulatedDevice(), appToken, jti, 1))).toMatchObject({ ok: false, body: { code: 'ASSERTION_INVALID' } });
  });

  it('without an attestation gate, a route requiring an assertion is refused (fail closed)', async () => {
    const s = await setup();
    const bare = createGuard({ verifiers: api.kw.credentials, accessMap: compileAccessMap(parseAccessMap(MAP)), limits: api.kw.limits, now: api.kw.now });
    expect(await bare(signedPay(s.device, s.appToken, s.jti, 1))).toMatchObject({ ok: false, body: { code: 'ASSERTION_REQUIRED' } });
  });
});

describe('monitor-only mode', () => {
  it('per route: a missing attestation is recorded ("would have blocked") and the call goes through', async () => {
    const s = await setup();
    expect(await s.guard(request('GET', '/beta', { 'x-api-key': api.pk.test, 'x-keyward-subject': 'u1' }))).toMatchObject({ ok: true, caller: { kind: 'publishable', attested: false } });
    expect(await monitored(api)).toEqual(['keyward_attestation_monitored_total{route="/beta",code="ATTESTATION_REQUIRED"} 1']);
    // A failed assertion on a monitor-only route: recorded, let through.
    expect(await s.guard(signedPay(simulatedDevice(), s.appToken, s.jti, 1, '{}', '/beta-pay'))).toMatchObject({ ok: true });
    expect(await monitored(api)).toContain('keyward_attestation_monitored_total{route="/beta-pay",code="ASSERTION_INVALID"} 1');
  });

  it('per app: the monitorOnly setting lets every attestation route through, and turning it off enforces again', async () => {
    const s = await setup();
    await api.kw.attestation.settings.put(api.appId, 'test', { monitorOnly: true }, { actor: 't', requestId: 'r' });
    expect(await s.guard(request('GET', '/open', { 'x-api-key': api.pk.test, 'x-keyward-subject': 'u1' }))).toMatchObject({ ok: true });
    expect(await monitored(api)).toEqual(['keyward_attestation_monitored_total{route="/open",code="ATTESTATION_REQUIRED"} 1']);
    await api.kw.attestation.settings.put(api.appId, 'test', { monitorOnly: false }, { actor: 't', requestId: 'r' });
    expect(await s.guard(request('GET', '/open', { 'x-api-key': api.pk.test, 'x-keyward-subject': 'u1' }))).toMatchObject({ ok: false, body: { code: 'ATTESTATION_REQUIRED' } });
  });

  it('monitor-only never waives the other checks: a kind the route does not allow is still refused', async () => {
    const s = await setup();
    await api.kw.attestation.settings.put(api.appId, 'test', { monitorOnly: true }, { actor: 't', requestId: 'r' });
    expect(await s.guard(request('GET', '/feed', { 'x-api-key': api.pk.test, 'x-keyward-subject': 'u1' }))).toMatchObject({ ok: false, body: { code: 'KIND_NOT_ALLOWED' } });
  });
});

describe('access map validation', () => {
  it('require: [assertion] is valid with app-token; without app-token in allow, or monitor without a requirement, it is refused', () => {
    expect(() => parseAccessMap('version: 1\nresources:\n  - { path: /x, allow: [app-token], require: [assertion] }\n')).not.toThrow();
    expect(() => parseAccessMap('version: 1\nresources:\n  - { path: /x, allow: [publishable], require: [assertion] }\n')).toThrow(/app-token/);
    expect(() => parseAccessMap('version: 1\nresources:\n  - { path: /x, allow: [app-token], monitor: true }\n')).toThrow(/monitor/);
  });
});
