import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward } from '../../src/keyward.js';
import { createGuard } from '../../src/middleware/core.js';
import type { AnomalyAction } from '../../src/anomaly/model.js';
import { bearer, CLI, makeKeyward } from '../helpers.js';

const MIN = 60_000;

/** A publishable key's request through the middleware (the one pipeline, as the gateway runs it). */
function request(key: string, ip = '198.51.100.7') {
  return { method: 'GET', rawTarget: '/v1/things', path: '/v1/things', headers: { authorization: `Bearer ${key}`, 'x-keyward-subject': 'user_1', 'user-agent': 'MyApp/1.0' }, rawHeaders: [], clientIp: ip };
}

async function setup(action: AnomalyAction) {
  const { kw, clock } = await makeKeyward();
  const app = await kw.apps.create({ name: 'a', settings: { anomalyActions: { traffic_spike: action } } }, CLI);
  const key = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'ios' }, CLI);
  const guard = createGuard({ verifiers: kw.credentials, now: kw.now, limits: kw.limits });
  // An hour of quiet, steady traffic: 5 requests a minute.
  for (let m = 0; m < 60; m++) {
    for (let i = 0; i < 5; i++) {
      expect((await guard(request(key.secret))).ok).toBe(true);
      clock.advance(MIN / 5);
    }
  }
  return { kw, clock, app, key, guard };
}

describe('anomaly detection wired to the pipeline, the store, the actions and the API', () => {
  it('a traffic spike of a publishable key is recorded once, audited and counted, with action alert leaving the key alone', async () => {
    const { kw, app, key, guard } = await setup('alert');
    for (let i = 0; i < 200; i++) await guard(request(key.secret));
    await kw.anomalies.drain();
    const page = await kw.anomalies.list({ appId: app.id }, { limit: 10 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ rule: 'traffic_spike', entity: key.key.id, action: 'alert', actionOutcome: 'not_applicable', status: 'open' });
    expect((await kw.store.getKey(key.key.id))?.enabled).toBe(true);
    const audit = await kw.store.listAudit({ limit: 1000 });
    expect(audit.filter((r) => r.action === 'anomaly.detected')).toHaveLength(1);
    expect(await kw.metrics.registry.metrics()).toMatch(/keyward_anomalies_total\{rule="traffic_spike",action="alert",outcome="not_applicable"\} 1/);
    await kw.close();
  });

  it('suspend disables the key: the next request is refused', async () => {
    const { kw, key, guard } = await setup('suspend');
    for (let i = 0; i < 200; i++) await guard(request(key.secret));
    await kw.anomalies.drain();
    expect((await kw.store.getKey(key.key.id))?.enabled).toBe(false);
    const after = await guard(request(key.secret));
    expect(after).toMatchObject({ ok: false, body: { code: 'CREDENTIAL_DISABLED' } });
    await kw.close();
  });

  it('throttle gives the key an own rate limit of twice its usual rate', async () => {
    const { kw, key, guard } = await setup('throttle');
    for (let i = 0; i < 200; i++) await guard(request(key.secret));
    await kw.anomalies.drain();
    const k = await kw.store.getKey(key.key.id);
    expect(k?.enabled).toBe(true);
    expect(k?.ratelimit).toEqual({ rate: 10, windowSeconds: 60, burst: 10 });
    await kw.close();
  });

  it('a key in a URL is an anomaly of its own', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const key = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'web' }, CLI);
    const guard = createGuard({ verifiers: kw.credentials, now: kw.now, limits: kw.limits });
    expect(await guard({ ...request(key.secret), rawTarget: `/v1/things?api_key=${key.secret}` })).toMatchObject({ ok: false, body: { code: 'KEY_IN_URL' } });
    await kw.anomalies.drain();
    expect((await kw.anomalies.list({ appId: app.id }, { limit: 10 })).items.map((a) => [a.rule, a.entity])).toEqual([['key_in_url', key.key.id]]);
    await kw.close();
  });

  it('the API lists an app’s anomalies, refuses a root key without the permission, and dismisses once', async () => {
    const { kw, app, key, guard } = await setup('alert');
    for (let i = 0; i < 200; i++) await guard(request(key.secret));
    await kw.anomalies.drain();
    const server = await buildServer(kw);
    const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
    const reader = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'keys only', permissions: ['keys:read'] }, CLI)).secret;
    const list = await server.inject({ method: 'GET', url: `/v1/apps/${app.id}/anomalies?status=open`, headers: bearer(root) });
    expect(list.statusCode).toBe(200);
    const [item] = list.json().items;
    expect(item).toMatchObject({ rule: 'traffic_spike', entity: key.key.id, status: 'open' });
    expect((await server.inject({ method: 'GET', url: `/v1/apps/${app.id}/anomalies`, headers: bearer(reader) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    const dismissed = await server.inject({ method: 'POST', url: `/v1/anomalies/${item.id}/dismiss`, headers: bearer(root) });
    expect(dismissed.json()).toMatchObject({ status: 'dismissed', closedBy: expect.stringMatching(/^key_/) });
    expect((await server.inject({ method: 'POST', url: `/v1/anomalies/${item.id}/resolve`, headers: bearer(root) })).json().code).toBe('CONFLICT');
    expect((await server.inject({ method: 'GET', url: `/v1/anomalies/anm_0000000000000000000000`, headers: bearer(root) })).json().code).toBe('NOT_FOUND');
    await server.close();
    await kw.close();
  });
});

describe('baselines survive a restart', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-anomaly-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a warmed-up key is still warm after the process restarts, so a spike right after is caught', async () => {
    const clock = manualClock(Date.UTC(2026, 5, 1));
    const open = () => createKeyward({ now: clock, config: { dataDir: dir, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, anomalySnapshotIntervalMs: 0 } });
    const first = await open();
    const app = await first.apps.create({ name: 'a' }, CLI);
    const key = await first.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'ios' }, CLI);
    let guard = createGuard({ verifiers: first.credentials, now: clock, limits: first.limits });
    for (let m = 0; m < 60; m++) {
      for (let i = 0; i < 5; i++) {
        await guard(request(key.secret));
        clock.advance(MIN / 5);
      }
    }
    const before = first.anomalies.detector.baselineOf(key.key.id);
    await first.close();
    const second = await open();
    expect(second.anomalies.detector.baselineOf(key.key.id)).toEqual(before);
    guard = createGuard({ verifiers: second.credentials, now: clock, limits: second.limits });
    for (let i = 0; i < 200; i++) await guard(request(key.secret));
    await second.anomalies.drain();
    expect((await second.anomalies.list({ appId: app.id }, { limit: 10 })).items.map((a) => a.rule)).toEqual(['traffic_spike']);
    await second.close();
  });
});
