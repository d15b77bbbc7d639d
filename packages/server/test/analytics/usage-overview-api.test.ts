import { afterEach, describe, expect, it } from 'vitest';
import { bearer, CLI, makeApi } from '../helpers.js';

/**
 * The usage overview's server side: GET /v1/analytics/top-keys (ranked by the store) and
 * GET /v1/analytics/events (attestation, leak, anomaly and webhook series), on a frozen clock
 * (2026-06-01T00:00Z), with the same permission and app rules as /v1/analytics/verifications.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Body = Record<string, unknown> & { code?: string };

async function api() {
  const a = await makeApi();
  cleanups.push(() => a.kw.close());
  const get = async (path: string, auth = a.root) => {
    const res = await a.server.inject({ method: 'GET', url: path, headers: bearer(auth) });
    return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json() as Body };
  };
  const verify = (key: string, scopes?: string[]) => a.server.inject({ method: 'POST', url: '/v1/keys/verify', headers: bearer(a.root), payload: { key, ...(scopes ? { scopes } : {}) } });
  return { ...a, get, verify };
}

describe('GET /v1/analytics/top-keys', () => {
  it('ranks the app’s keys by verifications in the window, with valid and rejected counts and the key’s display fields only', async () => {
    const a = await api();
    const busy = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'restricted', name: 'billing', scopes: ['invoices:read'] }, CLI);
    const quiet = await a.kw.keys.create({ appId: a.appId, environment: 'test', kind: 'secret', name: 'etl' }, CLI);
    await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'unused' }, CLI);
    for (let i = 0; i < 3; i++) await a.verify(busy.secret, ['invoices:read']);
    await a.verify(busy.secret, ['invoices:write']); // INSUFFICIENT_SCOPES
    await a.verify(quiet.secret);
    // Another app's key is not this app's top key.
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const foreign = await a.kw.keys.create({ appId: other.id, environment: 'live', kind: 'secret', name: 'f' }, CLI);
    for (let i = 0; i < 9; i++) await a.verify(foreign.secret);

    const res = await a.get(`/v1/analytics/top-keys?appId=${a.appId}&granularity=minute`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      granularity: 'minute',
      from: '2026-05-31T23:00:00.000Z',
      to: '2026-06-01T00:01:00.000Z',
      keys: [
        { keyId: busy.key.id, name: 'billing', environment: 'live', kind: 'restricted', start: busy.key.start, total: 4, valid: 3, rejected: 1 },
        { keyId: quiet.key.id, name: 'etl', environment: 'test', kind: 'secret', start: quiet.key.start, total: 1, valid: 1, rejected: 0 },
      ],
    });
    expect(JSON.stringify(res.body)).not.toContain(busy.secret);
    expect((await a.get(`/v1/analytics/top-keys?appId=${a.appId}&limit=1`)).body.keys).toHaveLength(1);
    // Every app (an unrestricted root key): the other app's busy key first.
    expect(((await a.get('/v1/analytics/top-keys')).body.keys as { keyId: string }[])[0]!.keyId).toBe(foreign.key.id);
    // Two hours later the default minute window (the last hour) holds nothing.
    a.clock.advance(2 * 3_600_000);
    expect((await a.get(`/v1/analytics/top-keys?appId=${a.appId}&granularity=minute`)).body.keys).toEqual([]);
  });

  it('refuses bad windows and limits as problem+json VALIDATION_FAILED, an unknown app as NOT_FOUND', async () => {
    const a = await api();
    for (const qs of ['limit=0', 'limit=101', 'limit=ten', 'granularity=week', 'from=yesterday', 'keyId=key_0000000000000000000000', 'granularity=minute&from=2026-01-01T00:00:00Z']) {
      const res = await a.get(`/v1/analytics/top-keys?appId=${a.appId}&${qs}`);
      expect([res.status, res.body.code, res.type], qs).toEqual([400, 'VALIDATION_FAILED', expect.stringContaining('application/problem+json')]);
    }
    expect((await a.get(`/v1/analytics/top-keys?appId=${a.appId}&limit=100`)).status).toBe(200);
    expect((await a.get('/v1/analytics/top-keys?appId=app_0000000000000000000000')).body.code).toBe('NOT_FOUND');
  });
});

describe('GET /v1/analytics/events', () => {
  it('counts attestation outcomes (monitor-only included), leak reports, per minute bucket of the frozen clock; pending events are written first', async () => {
    const a = await api();
    const publishable = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'publishable', name: 'ios' }, CLI);
    const occurrence = { appId: a.appId, environment: 'live' as const, stage: 'request' as const, subject: '/pay', reason: 'no app token' };
    for (let i = 0; i < 3; i++) a.kw.attestation.events.record({ ...occurrence, outcome: 'monitored', code: 'ATTESTATION_REQUIRED' });
    a.kw.attestation.events.record({ ...occurrence, outcome: 'refused', code: 'ATTESTATION_REQUIRED' });
    // A refusal through the public endpoint: a challenge this server never issued.
    const attest = await a.server.inject({ method: 'POST', url: '/v1/attest', headers: { 'x-api-key': publishable.secret }, payload: { challenge: 'A'.repeat(43), payload: { platform: 'debug', token: 'x' } } });
    expect(attest.json()).toMatchObject({ code: 'ATTESTATION_CHALLENGE_INVALID' });
    await a.kw.leaks.report([{ token: publishable.secret, type: 'keyward_publishable_key', url: 'https://github.com/o/r/blob/1/a.js', source: 'content' }], 'github', 'req_leak');
    a.clock.advance(2 * 60_000 + 5_000); // 00:02:05
    a.kw.attestation.events.record({ ...occurrence, outcome: 'monitored', code: 'ASSERTION_INVALID' });

    const res = await a.get(`/v1/analytics/events?appId=${a.appId}&granularity=minute`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ granularity: 'minute', from: '2026-05-31T23:02:00.000Z', to: '2026-06-01T00:03:00.000Z' });
    const empty = { anomalies: { detected: 0, byRule: {} }, webhooks: { delivered: 0, failed: 0, pending: 0 } };
    expect(res.body.buckets).toEqual([
      {
        start: '2026-06-01T00:00:00.000Z',
        attestation: { passed: 0, refused: 2, monitored: 3, refusedByCode: { ATTESTATION_REQUIRED: 1, ATTESTATION_CHALLENGE_INVALID: 1 }, monitoredByCode: { ATTESTATION_REQUIRED: 3 } },
        leaks: { reported: 1, byStatus: { open: 1 }, bySource: { content: 1 } },
        ...empty,
      },
      {
        start: '2026-06-01T00:02:00.000Z',
        attestation: { passed: 0, refused: 0, monitored: 1, refusedByCode: {}, monitoredByCode: { ASSERTION_INVALID: 1 } },
        leaks: { reported: 0, byStatus: {}, bySource: {} },
        ...empty,
      },
    ]);
    // Another app's series are its own.
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    expect((await a.get(`/v1/analytics/events?appId=${other.id}&granularity=minute`)).body.buckets).toEqual([]);
  });

  it('validates the window like the verification analytics (problem+json VALIDATION_FAILED)', async () => {
    const a = await api();
    for (const qs of ['granularity=week', 'from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z', 'granularity=minute&from=2026-01-01T00:00:00Z', 'limit=5']) {
      const res = await a.get(`/v1/analytics/events?appId=${a.appId}&${qs}`);
      expect([res.status, res.body.code, res.type], qs).toEqual([400, 'VALIDATION_FAILED', expect.stringContaining('application/problem+json')]);
    }
  });
});

describe('who may read the usage overview', () => {
  it('needs analytics:read; a root key kept to another app is refused before anything is read, and may read its own app', async () => {
    const a = await api();
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const elsewhere = (await a.kw.rootKeys.create({ name: 'other only', permissions: ['analytics:read'], appIds: [other.id] }, CLI)).secret;
    const noPermission = (await a.kw.rootKeys.create({ name: 'keys only', permissions: ['keys:read'] }, CLI)).secret;
    const secret = (await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 's' }, CLI)).secret;
    for (const path of ['/v1/analytics/verifications', '/v1/analytics/top-keys', '/v1/analytics/events']) {
      expect((await a.get(`${path}?appId=${a.appId}`, noPermission)).body.code, path).toBe('INSUFFICIENT_PERMISSION');
      expect((await a.get(`${path}?appId=${a.appId}`, elsewhere)).body.code, path).toBe('INSUFFICIENT_PERMISSION');
      // Every app is more than it holds; an app that does not exist is refused the same way (nothing read first).
      expect((await a.get(path, elsewhere)).body.code, path).toBe('INSUFFICIENT_PERMISSION');
      expect((await a.get(`${path}?appId=app_0000000000000000000000`, elsewhere)).body.code, path).toBe('INSUFFICIENT_PERMISSION');
      expect((await a.get(`${path}?appId=${other.id}`, elsewhere)).status, path).toBe(200);
      expect([401, 403], path).toContain((await a.get(`${path}?appId=${a.appId}`, secret)).status);
    }
  });
});
