/**
 * Recorded platform attestations through the whole HTTP flow: a real Apple App Attest attestation
 * and assertion (test-data/app-attest) and a real Android Key Attestation chain
 * (test-data/android-key-attestation), each driven through POST /v1/attest/challenge → POST
 * /v1/attest → POST /v1/verify → the gateway, over loopback HTTP, with the clock pinned to the
 * vector's time.
 *
 * A recorded attestation was made over a fixed nonce, so the server is built with the test-only
 * challenge source (AttestationTestHooks, attestation/container.ts), which hands out exactly that
 * nonce in the `test` environment; Apple's assertion signed fixed bytes, so it is checked over
 * them. Everything else runs as in production. The `live` environment of the same server shows the
 * hooks cannot reach it: there the same attestation is refused.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AttestationTestHooks } from '../../src/attestation/container.js';
import type { AttestationPolicy } from '../../src/attestation/provider.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { buildServer } from '../../src/http/server.js';
import { createKeyward } from '../../src/keyward.js';
import { manualClock } from '../../src/lib/clock.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startUpstream } from '../gateway/upstream.js';
import { CLI } from '../helpers.js';
import { androidVectors, appleVectors, type AndroidVector, type AppleVector } from './fixtures.js';

const MAP = `version: 1
resources:
  - { path: /feed, methods: [GET], allow: [app-token], require: [attestation] }
  - { path: /pay, methods: [POST], allow: [app-token], require: [assertion] }
`;

const tmp = mkdtempSync(path.join(tmpdir(), 'kw-attest-http-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Keyward on memory SQLite with a pinned clock, its API and a gateway both listening on loopback, one app with a publishable key per environment. */
async function stack(nowMs: number, hooks: AttestationTestHooks, policy: Omit<AttestationPolicy, 'environment'>, config: Record<string, unknown> = {}) {
  const clock = manualClock(nowMs);
  const kw = await createKeyward({
    store: openSqliteStore({ dataDir: ':memory:' }),
    now: clock,
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, ...config },
    attestationTestHooks: hooks,
  });
  const api = await buildServer(kw);
  await api.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await api.close();
    await kw.close();
  });
  const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  const app = await kw.apps.create({ name: 'vector app' }, CLI);
  const pk = {
    test: (await kw.keys.create({ appId: app.id, environment: 'test', kind: 'publishable', name: 'pk' }, CLI)).secret,
    live: (await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'pk' }, CLI)).secret,
  };
  for (const environment of ['test', 'live'] as const) await kw.attestation.settings.put(app.id, environment, { policy }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore() }), clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  const gatewayUrl = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;

  const call = async (url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {}) => {
    const r = await request(url, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await r.body.text();
    return { status: r.statusCode, code: r.headers['x-keyward-code'], json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const challenge = async (env: 'test' | 'live') => {
    const r = await call(`${apiUrl}/v1/attest/challenge`, { method: 'POST', headers: { 'x-api-key': pk[env] } });
    expect(r.status).toBe(201);
    return r.json.challenge as string;
  };
  const attest = async (env: 'test' | 'live', payload: unknown, c?: string) => call(`${apiUrl}/v1/attest`, { method: 'POST', headers: { 'x-api-key': pk[env] }, body: { challenge: c ?? (await challenge(env)), payload } });
  const verify = (credential: string) => call(`${apiUrl}/v1/verify`, { method: 'POST', headers: { authorization: `Bearer ${root}` }, body: { credential } });
  const verifyRequest = (req: { method: string; target: string; headers: [string, string][] }) => call(`${apiUrl}/v1/verify`, { method: 'POST', headers: { authorization: `Bearer ${root}` }, body: { request: req } });
  const gateway = (p: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET') => call(`${gatewayUrl}${p}`, { method, headers });
  return { kw, clock, appId: app.id, up, challenge, attest, verify, verifyRequest, gateway };
}

const apple = appleVectors();

describe.each(apple)('Apple App Attest through HTTP: $file', (v: AppleVector) => {
  const clientData = Buffer.from(v.attestation.clientDataBase64, 'base64');
  const hooks: AttestationTestHooks = { challengeBytes: () => clientData, assertionClientData: () => Buffer.from(v.assertion.clientDataBase64, 'base64') };
  const policy = { apple: { teamId: v.teamId, bundleIds: [v.bundleId], appAttestEnvironment: 'development' as const } };
  const payload = { platform: 'apple', keyId: v.attestation.keyIdBase64, attestation: v.attestation.attestationBase64 };
  // What the SDK sends: the CBOR assertion, base64url.
  const assertionHeader = Buffer.from(v.assertion.assertionBase64, 'base64').toString('base64url');

  it('challenge → attest → app token (verify: attested) → gateway with the recorded assertion; the replayed assertion never reaches the upstream', async () => {
    const s = await stack(Date.parse(v.attestation.timestamp), hooks, policy);
    const c = await s.challenge('test');
    expect(Buffer.from(c, 'base64url')).toEqual(clientData);

    const attested = await s.attest('test', payload, c);
    expect(attested.status).toBe(201);
    const { appToken, instanceId } = attested.json as { appToken: string; instanceId: string };
    const instance = await s.kw.attestation.admin.getInstance(instanceId);
    expect(instance).toMatchObject({ platform: 'apple', counter: 0, status: 'active', keyId: Buffer.from(v.attestation.keyIdBase64, 'base64').toString('base64url') });
    expect(instance.publicKeySpki).toBe(createPublicKey(v.attestation.publicKey).export({ type: 'spki', format: 'der' }).toString('base64url'));

    expect((await s.verify(appToken)).json).toMatchObject({ valid: true, code: 'VALID', kind: 'app-token', attested: true, instanceId });
    // The challenge was taken: the same attestation over it again is refused.
    expect((await s.attest('test', payload, c)).code).toBe('ATTESTATION_CHALLENGE_INVALID');

    s.clock.set(Date.parse(v.assertion.timestamp));
    const feed = await s.gateway('/feed', { authorization: `Bearer ${appToken}` });
    expect(feed.status).toBe(200);
    expect(s.up.seen.at(-1)!.headers['x-keyward-credential-kind']).toBe('app-token');
    expect((await s.gateway('/pay', { authorization: `Bearer ${appToken}` }, 'POST')).code).toBe('ASSERTION_REQUIRED');
    const paid = await s.gateway('/pay', { authorization: `Bearer ${appToken}`, 'keyward-assertion': assertionHeader }, 'POST');
    expect(paid.status).toBe(200);
    expect((await s.kw.attestation.admin.getInstance(instanceId)).counter).toBe(v.assertion.counter);
    const replayed = await s.gateway('/pay', { authorization: `Bearer ${appToken}`, 'keyward-assertion': assertionHeader }, 'POST');
    expect([replayed.status, replayed.code]).toEqual([401, 'ASSERTION_COUNTER_REPLAYED']);
    expect(s.up.seen.map((r) => r.url)).toEqual(['/feed', '/pay']);
  });

  it('the recorded assertion through POST /v1/verify (whole request): asserted once, then its counter is spent', async () => {
    const s = await stack(Date.parse(v.attestation.timestamp), hooks, policy);
    const { appToken, instanceId } = (await s.attest('test', payload)).json as { appToken: string; instanceId: string };
    s.clock.set(Date.parse(v.assertion.timestamp));
    const req = { method: 'POST', target: '/pay', headers: [['authorization', `Bearer ${appToken}`], ['keyward-assertion', assertionHeader]] as [string, string][] };
    expect((await s.verifyRequest(req)).json).toMatchObject({ valid: true, kind: 'app-token', attested: true, asserted: true, instanceId });
    expect((await s.verifyRequest(req)).json).toMatchObject({ valid: false, code: 'ASSERTION_COUNTER_REPLAYED' });
    // Without the header the same request is the app token alone: attested, nothing asserted.
    const plain = (await s.verifyRequest({ ...req, headers: req.headers.slice(0, 1) })).json;
    expect(plain).toMatchObject({ valid: true, attested: true });
    expect(plain).not.toHaveProperty('asserted');
  });

  it('the hooks reach only the test environment: in live the challenge is random and the same attestation is refused', async () => {
    const s = await stack(Date.parse(v.attestation.timestamp), hooks, policy);
    const c = await s.challenge('live');
    expect(Buffer.from(c, 'base64url')).toHaveLength(32);
    expect((await s.attest('live', payload, c)).code).toBe('ATTESTATION_FAILED');
    expect(await s.kw.attestation.admin.listInstances(s.appId, 'live')).toHaveLength(0);
  });
});

describe('Android Key Attestation through HTTP', () => {
  const v = androidVectors().valid.find((x) => x.name.startsWith('sony-xperia10-iii'))! as AndroidVector & {
    expected: { attestationChallenge: string; softwareEnforced: { creationDateTime: string; attestationApplicationId: { packages: { name: string }[]; signatures: string[] } } };
  };
  const { attestationChallenge, softwareEnforced } = v.expected;
  const hooks: AttestationTestHooks = { challengeBytes: () => Buffer.from(attestationChallenge, 'base64') };
  const policy = {
    android: {
      packageNames: softwareEnforced.attestationApplicationId.packages.map((p) => p.name),
      signingCertDigests: softwareEnforced.attestationApplicationId.signatures.map((d) => Buffer.from(d, 'base64').toString('hex')),
      minSecurityLevel: 'tee' as const,
      requireLockedBootloader: false,
      requireVerifiedBoot: false,
    },
  };
  const payload = { platform: 'android', certificateChain: v.chain };
  const statusList = (serials: string[]) => {
    const file = path.join(tmp, `status-${serials.length}.json`);
    writeFileSync(file, JSON.stringify({ entries: Object.fromEntries(serials.map((s) => [s.toLowerCase().replace(/^0+/, ''), { status: 'REVOKED', reason: 'KEY_COMPROMISE' }])) }));
    return { attestationRevocationListFile: file };
  };

  it('the chain whose KeyDescription holds the challenge registers an instance; its app token passes /v1/verify and the gateway', async () => {
    const s = await stack(Number(softwareEnforced.creationDateTime), hooks, policy, statusList([]));
    const attested = await s.attest('test', payload);
    expect(attested.status).toBe(201);
    const { appToken, instanceId } = attested.json as { appToken: string; instanceId: string };
    expect(await s.kw.attestation.admin.getInstance(instanceId)).toMatchObject({ platform: 'android', status: 'active', facts: expect.objectContaining({ securityLevel: expect.any(String) }) });
    expect((await s.verify(appToken)).json).toMatchObject({ valid: true, kind: 'app-token', attested: true, instanceId });
    expect((await s.gateway('/feed', { authorization: `Bearer ${appToken}` })).status).toBe(200);
    // Android instances attest a key but this chain's private key is on the device: a made-up assertion is refused.
    expect((await s.gateway('/pay', { authorization: `Bearer ${appToken}`, 'keyward-assertion': `1.${'A'.repeat(96)}` }, 'POST')).code).toBe('ASSERTION_INVALID');
    expect(s.up.seen.map((r) => r.url)).toEqual(['/feed']);
  });

  it('the same chain over another challenge, or with its intermediate on the configured status list, is refused', async () => {
    const s = await stack(Number(softwareEnforced.creationDateTime), {}, policy, statusList([]));
    expect((await s.attest('test', payload)).code).toBe('ATTESTATION_FAILED');
    const intermediate = new X509Certificate(Buffer.from(v.chain[1]!, 'base64')).serialNumber;
    const revoked = await stack(Number(softwareEnforced.creationDateTime), hooks, policy, statusList([intermediate]));
    expect((await revoked.attest('test', payload)).code).toBe('ATTESTATION_REVOKED');
  });
});
