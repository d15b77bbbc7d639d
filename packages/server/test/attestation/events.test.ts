/**
 * Failed and monitored attestations become events (attestation/events.ts): aggregated per
 * window, listed by GET /v1/apps/{appId}/attestation/events, one `attestation.failed` audit
 * record and one `attestation.failed` webhook delivery each, and bounded per window.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AttestationEventRecorder, type AttestationOccurrence } from '../../src/attestation/events.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createKeyward } from '../../src/keyward.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { SqlAttestationStore } from '../../src/store/sql/attestation-store.js';
import { runCli } from '../cli/run-in-process.js';
import { startUpstream } from '../gateway/upstream.js';
import { CLI } from '../helpers.js';
import { attest, attestationApi, T0 } from './harness.js';
import { simulatedDevice } from './simulated-platform.js';

const MAP = `version: 1
resources:
  - { path: /beta, methods: [GET], allow: [app-token, publishable], require: [attestation], monitor: true }
  - { path: /feed, methods: [GET], allow: [app-token, publishable], require: [attestation] }
  - { path: /pay, methods: [POST], allow: [app-token], require: [assertion] }
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  // No dispatcher polling: the deliveries stay in the outbox for the test to read.
  const api = await attestationApi({ webhookPollIntervalMs: 0 });
  cleanups.push(api.close);
  const up = await startUpstream();
  cleanups.push(up.close);
  const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw: api.kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore() }), clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const { endpoint } = await api.kw.webhooks.create(api.appId, { url: 'https://hooks.example.com/keyward', events: ['attestation.failed'] }, CLI);
  const call = async (p: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET') => {
    const r = await request(`http://127.0.0.1:${(gw.server.address() as AddressInfo).port}${p}`, { method, headers });
    await r.body.text();
    return { status: r.statusCode, code: r.headers['x-keyward-code'] };
  };
  const list = async (query = '') => {
    const r = await api.server.inject({ method: 'GET', url: `/v1/apps/${api.appId}/attestation/events${query}`, headers: { authorization: `Bearer ${api.root}` } });
    expect(r.statusCode).toBe(200);
    return r.json() as { items: Record<string, unknown>[]; next?: string };
  };
  const audited = async () => (await api.kw.audit.list({ limit: 1000 })).filter((a) => a.action === 'attestation.failed');
  const deliveries = () => api.kw.webhooks.deliveries(endpoint.id, { limit: 100 });
  return { api, up, call, list, audited, deliveries };
}

describe('attestation events', () => {
  it('a flood of monitored calls is one event with a count: listed, audited once, one attestation.failed webhook; the calls all went through', async () => {
    const s = await setup();
    for (let i = 0; i < 40; i++) expect((await s.call('/beta', { 'x-api-key': s.api.pk.test, 'x-keyward-subject': 'u1' })).status).toBe(200);
    expect(s.up.seen).toHaveLength(40);
    await s.api.kw.attestation.events.flush();

    const { items } = await s.list();
    expect(items).toEqual([
      { id: expect.stringMatching(/^ate_/), appId: s.api.appId, environment: 'test', stage: 'request', outcome: 'monitored', code: 'ATTESTATION_REQUIRED', subject: '/beta', reason: 'ATTESTATION_REQUIRED', count: 40, firstAt: new Date(T0).toISOString(), lastAt: new Date(T0).toISOString() },
    ]);
    const audit = await s.audited();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'system:attestation', target: s.api.appId, data: { eventId: items[0]!.id, outcome: 'monitored', code: 'ATTESTATION_REQUIRED', count: 40 } });
    const sent = await s.deliveries();
    expect(sent.map((d) => d.eventType)).toEqual(['attestation.failed']);
    expect(JSON.parse(sent[0]!.payload)).toMatchObject({ type: 'attestation.failed', data: { eventId: items[0]!.id, stage: 'request', outcome: 'monitored', subject: '/beta', count: 40 } });
  });

  it('enforced refusals on routes and refused attestations are events too, each kind on its own; filters and paging work', async () => {
    const s = await setup();
    expect((await s.call('/feed', { 'x-api-key': s.api.pk.test, 'x-keyward-subject': 'u1' })).code).toBe('ATTESTATION_REQUIRED');
    expect((await s.call('/feed', { 'x-api-key': s.api.pk.test, 'x-keyward-subject': 'u1' })).code).toBe('ATTESTATION_REQUIRED');
    const device = simulatedDevice();
    const { appToken } = (await attest(s.api, (ch: string) => device.attest(ch))).json();
    expect((await s.call('/pay', { authorization: `Bearer ${appToken}` }, 'POST')).code).toBe('ASSERTION_REQUIRED');
    for (let i = 0; i < 3; i++) expect((await attest(s.api, device.attest('B'.repeat(43)), 'test', 'B'.repeat(43))).json().code).toBe('ATTESTATION_CHALLENGE_INVALID');
    s.api.clock.advance(5_000);
    await s.api.kw.attestation.events.flush();

    const all = (await s.list()).items.map((e) => [e.stage, e.outcome, e.code, e.subject, e.count]);
    expect(all).toHaveLength(3);
    expect(all).toEqual(expect.arrayContaining([
      ['request', 'refused', 'ATTESTATION_REQUIRED', '/feed', 2],
      ['request', 'refused', 'ASSERTION_REQUIRED', '/pay', 1],
      ['attest', 'refused', 'ATTESTATION_CHALLENGE_INVALID', 'android', 3],
    ]));
    expect((await s.list('?stage=attest')).items.map((e) => e.code)).toEqual(['ATTESTATION_CHALLENGE_INVALID']);
    expect((await s.list('?outcome=monitored')).items).toEqual([]);
    expect((await s.list('?environment=live')).items).toEqual([]);
    const first = await s.list('?limit=2');
    expect(first.items).toHaveLength(2);
    const rest = await s.list(`?limit=2&after=${encodeURIComponent(first.next!)}`);
    expect([...first.items, ...rest.items].map((e) => e.id).sort()).toEqual((await s.list()).items.map((e) => e.id).sort());
    expect(await s.audited()).toHaveLength(3);
    expect((await s.deliveries()).length).toBe(3);

    // A later window is a new event, not a bigger count.
    expect((await s.call('/feed', { 'x-api-key': s.api.pk.test, 'x-keyward-subject': 'u1' })).code).toBe('ATTESTATION_REQUIRED');
    await s.api.kw.attestation.events.flush();
    expect((await s.list('?stage=request')).items.filter((e) => e.subject === '/feed').map((e) => e.count)).toEqual([1, 2]);
  });

  it("listing writes this node's pending occurrences first: a refusal just caused is listed at once, not a window later", async () => {
    const s = await setup();
    expect((await s.call('/feed', { 'x-api-key': s.api.pk.test, 'x-keyward-subject': 'u1' })).code).toBe('ATTESTATION_REQUIRED');
    expect((await s.list()).items).toMatchObject([{ stage: 'request', outcome: 'refused', code: 'ATTESTATION_REQUIRED', subject: '/feed', count: 1 }]);
  });

  it('an app token whose instance was revoked is refused and recorded with subject app-token', async () => {
    const s = await setup();
    const device = simulatedDevice();
    const { appToken, instanceId } = (await attest(s.api, (ch: string) => device.attest(ch))).json();
    await s.api.kw.attestation.admin.revokeInstance(instanceId, CLI);
    expect((await s.call('/feed', { authorization: `Bearer ${appToken}` })).code).toBe('REATTESTATION_REQUIRED');
    await s.api.kw.attestation.events.flush();
    expect((await s.list()).items).toMatchObject([{ stage: 'request', outcome: 'refused', code: 'REATTESTATION_REQUIRED', subject: 'app-token', reason: 'INSTANCE_REVOKED', count: 1 }]);
  });

  it('at most maxPerWindow events per window: further distinct ones are only counted as dropped; nothing is lost within the cap', async () => {
    const s = await setup();
    const dropped: AttestationOccurrence[] = [];
    const recorder = new AttestationEventRecorder({ store: new SqlAttestationStore(s.api.kw.store.db, 'sqlite'), now: s.api.clock, flushIntervalMs: 0, maxPerWindow: 5, onDropped: (o) => dropped.push(o) });
    for (let i = 0; i < 12; i++) for (let n = 0; n < 3; n++) recorder.record({ appId: s.api.appId, environment: 'test', stage: 'request', outcome: 'refused', code: 'ASSERTION_INVALID', subject: `/r${i}`, reason: 'signature' });
    await recorder.flush();
    const { items } = await s.list();
    expect(items.map((e) => [e.subject, e.count]).sort()).toEqual([0, 1, 2, 3, 4].map((i) => [`/r${i}`, 3]));
    expect(dropped).toHaveLength(7 * 3);
    expect(await s.audited()).toHaveLength(5);
  });

  it('the admin route needs attestation:read and a key for the app', async () => {
    const s = await setup();
    const other = await s.api.kw.apps.create({ name: 'other' }, CLI);
    const scoped = (await s.api.kw.rootKeys.create({ name: 'other only', permissions: ['attestation:read'], appIds: [other.id] }, CLI)).secret;
    const r = await s.api.server.inject({ method: 'GET', url: `/v1/apps/${s.api.appId}/attestation/events`, headers: { authorization: `Bearer ${scoped}` } });
    expect(r.statusCode).toBe(403);
    const ok = await s.api.server.inject({ method: 'GET', url: `/v1/apps/${other.id}/attestation/events`, headers: { authorization: `Bearer ${scoped}` } });
    expect(ok.statusCode).toBe(200);
  });
});

describe('keyward attestation events', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-attest-events-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) => runCli(['--data', dir, ...args], { KEYWARD_MASTER_KEYS: '' });

  it('lists what a server recorded in the same store, with the API view; a bad --outcome is refused', async () => {
    expect((await cli(['init', '--json'])).code).toBe(0);
    const kw = await createKeyward({ config: { dataDir: dir, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 }, watchChanges: false });
    const app = await kw.apps.create({ name: 'cli' }, CLI);
    for (let i = 0; i < 4; i++) kw.attestation.events.record({ appId: app.id, environment: 'live', stage: 'attest', outcome: 'refused', code: 'ATTESTATION_FAILED', subject: 'apple', reason: 'nonce_mismatch' });
    await kw.close(); // flushes
    const r = await cli(['attestation', 'events', '--app', app.id, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items).toMatchObject([{ id: expect.stringMatching(/^ate_/), appId: app.id, environment: 'live', stage: 'attest', outcome: 'refused', code: 'ATTESTATION_FAILED', subject: 'apple', reason: 'nonce_mismatch', count: 4 }]);
    expect(JSON.parse((await cli(['attestation', 'events', '--app', app.id, '--env', 'test', '--json'])).stdout).items).toEqual([]);
    expect((await cli(['attestation', 'events', '--app', app.id, '--outcome', 'nope'])).code).not.toBe(0);
  }, 60_000);
});
