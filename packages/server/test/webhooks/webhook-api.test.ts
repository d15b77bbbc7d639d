import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { bearer, CLI } from '../helpers.js';

let kw: Keyward;
let server: Server;
let root: string;
let appId: string;
const clock = manualClock(Date.UTC(2026, 5, 1));

beforeAll(async () => {
  // Private addresses refused, as in production: the URL checks are what this file tests.
  kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } });
  server = await buildServer(kw);
  root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  appId = (await kw.apps.create({ name: 'demo' }, CLI)).id;
});
afterAll(async () => {
  await server.close();
  await kw.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = root) =>
  server.inject({ method, url, headers: bearer(key), ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('webhook admin API', () => {
  it('creates an endpoint (secret shown once, stored sealed), lists, gets, patches the filter, deletes; each audited', async () => {
    const created = await call('POST', `/v1/apps/${appId}/webhooks`, { url: 'https://hooks.example.com/kw', events: ['key.revoked', 'leak.reported'], description: 'ops' });
    expect(created.statusCode).toBe(201);
    const { endpoint, secret } = created.json();
    expect(secret).toMatch(/^whsec_/);
    const raw = await kw.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(raw.sealed_secret).toMatch(/^kws1\./);
    expect(raw.sealed_secret).not.toContain(secret.slice(6));
    const list = await call('GET', `/v1/apps/${appId}/webhooks`);
    expect(list.json().items).toEqual([endpoint]);
    expect(list.body).not.toContain(secret);
    expect((await call('GET', `/v1/webhooks/${endpoint.id}`)).json()).toEqual(endpoint);
    const patched = await call('PATCH', `/v1/webhooks/${endpoint.id}`, { events: ['key.created'] });
    expect(patched.json()).toMatchObject({ events: ['key.created'], version: 2 });
    expect((await call('DELETE', `/v1/webhooks/${endpoint.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/v1/webhooks/${endpoint.id}`)).json().code).toBe('NOT_FOUND');
    const actions = (await kw.audit.list({ limit: 1000 })).filter((r) => r.target === endpoint.id).map((r) => r.action);
    expect(actions).toEqual(['webhook.create', 'webhook.update', 'webhook.delete']);
    expect(JSON.stringify(await kw.audit.list({ limit: 1000 }))).not.toContain(secret);
  });

  it.each([
    ['http://hooks.example.com/', '/body/url'],
    ['https://127.0.0.1/', '/body/url'],
    ['https://10.0.0.5/hook', '/body/url'],
    ['https://[::1]:8443/', '/body/url'],
    ['https://a:b@hooks.example.com/', '/body/url'],
  ])('refuses the endpoint URL %s', async (url, pointer) => {
    const res = await call('POST', `/v1/apps/${appId}/webhooks`, { url });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().errors[0].pointer).toBe(pointer);
  });

  it('refuses an unknown event type by the schema', async () => {
    const res = await call('POST', `/v1/apps/${appId}/webhooks`, { url: 'https://hooks.example.com/', events: ['key.eaten'] });
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('the event filter decides what is queued; the delivery log and a delivery\'s attempts are served; a test event and a redelivery are queued', async () => {
    const { endpoint } = (await call('POST', `/v1/apps/${appId}/webhooks`, { url: 'https://hooks.example.com/kw', events: ['key.revoked'] })).json();
    const k = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'n' }, CLI);
    expect((await call('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).json().items).toEqual([]);
    await call('POST', `/v1/keys/${k.key.id}/revoke`, { reason: 'done' });
    const test = await call('POST', `/v1/webhooks/${endpoint.id}/test`);
    expect(test.statusCode).toBe(202);
    expect(test.json()).toMatchObject({ eventType: 'webhook.test', status: 'pending', attempts: 0 });
    const log = (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).json().items;
    expect(log.map((d: { eventType: string }) => d.eventType).sort()).toEqual(['key.revoked', 'webhook.test']);
    expect((await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).json().items).toEqual([]);
    const one = await call('GET', `/v1/webhook-deliveries/${test.json().id}`);
    expect(one.json()).toMatchObject({ delivery: { id: test.json().id }, attempts: [] });
    expect((await call('POST', `/v1/webhook-deliveries/${test.json().id}/redeliver`)).statusCode).toBe(202);
  });

  it('a root key restricted to another app cannot see or change this app\'s endpoints', async () => {
    const other = (await kw.apps.create({ name: 'other' }, CLI)).id;
    const limited = await kw.rootKeys.create({ name: 'other-only', permissions: ['webhooks:read', 'webhooks:write'], appIds: [other] }, CLI);
    const { endpoint } = (await call('POST', `/v1/apps/${appId}/webhooks`, { url: 'https://hooks.example.com/x' })).json();
    for (const [m, u] of [
      ['GET', `/v1/apps/${appId}/webhooks`],
      ['GET', `/v1/webhooks/${endpoint.id}`],
      ['DELETE', `/v1/webhooks/${endpoint.id}`],
      ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`],
    ] as const) {
      expect((await call(m, u, undefined, limited.secret)).json().code).toBe('INSUFFICIENT_PERMISSION');
    }
    const reader = await kw.rootKeys.create({ name: 'reader', permissions: ['webhooks:read'] }, CLI);
    expect((await call('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, undefined, reader.secret)).json().code).toBe('INSUFFICIENT_PERMISSION');
    const rotated = await call('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.json().secret).toMatch(/^whsec_/);
  });
});
