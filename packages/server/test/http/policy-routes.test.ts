import { afterEach, describe, expect, it } from 'vitest';
import type { Keyward } from '../../src/keyward.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { bearer, CLI, makeApi } from '../helpers.js';

const MAP = compileAccessMap(
  parseAccessMap(`
version: 1
audience: api.example
limits:
  per-key: { rate: 10, windowSeconds: 60, by: credential }
quotas:
  monthly: { amount: 1000, refill: monthly, by: app }
resources:
  - name: own profile
    path: /users/{userId}/profile
    methods: [GET, PUT]
    allow: [publishable, secret]
    subject: userId
    require: [signature]
  - name: reports
    path: /reports/*
    allow: [restricted, secret]
    scopes: [reports:read]
    rateLimits: [per-key]
    quota: monthly
`),
);

const open: Keyward[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(accessMap: typeof MAP | null = MAP) {
  const api = await makeApi(accessMap ? { accessMap } : {});
  open.push(api.kw);
  return api;
}

describe('GET /v1/policy', () => {
  it('shows the loaded map as data: who may call each resource, what it requires, its limits', async () => {
    const s = await setup();
    const res = await s.server.inject({ method: 'GET', url: '/v1/policy', headers: bearer(s.root) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ loaded: true, audience: 'api.example', limits: [{ name: 'per-key', rate: 10, windowSeconds: 60, burst: 10, by: 'credential' }], quotas: [{ name: 'monthly', amount: 1000, refill: 'monthly', by: 'app' }] });
    const byName = Object.fromEntries(body.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName['own profile']).toMatchObject({ path: '/users/{userId}/profile', methods: ['GET', 'PUT'], allow: ['publishable', 'secret'], subject: 'userId', require: ['signature'] });
    expect(byName['reports']).toMatchObject({ methods: '*', scopes: ['reports:read'], rateLimits: ['per-key'], quota: 'monthly' });
  });

  it('answers loaded: false without a map, and needs a root key for every app', async () => {
    const s = await setup(null);
    expect((await s.server.inject({ method: 'GET', url: '/v1/policy', headers: bearer(s.root) })).json()).toMatchObject({ loaded: false, resources: [] });
    const limited = (await s.kw.rootKeys.create({ name: 'one app', permissions: ['keys:read'], appIds: [s.appId] }, CLI)).secret;
    expect((await s.server.inject({ method: 'GET', url: '/v1/policy', headers: bearer(limited) })).json().code).toBe('INSUFFICIENT_PERMISSION');
  });
});

describe('POST /v1/policy/explain', () => {
  it('explains a call for the credential in the body, as `keyward policy explain` does', async () => {
    const s = await setup();
    const pk = (await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'publishable', name: 'p' }, CLI)).secret;
    const ask = async (body: Record<string, unknown>) => (await s.server.inject({ method: 'POST', url: '/v1/policy/explain', headers: bearer(s.root), payload: body })).json();
    expect(await ask({ credential: pk, method: 'GET', path: '/users/u1/profile', subject: 'u1' })).toMatchObject({ allowed: false, code: 'SIGNATURE_REQUIRED', resource: 'own profile' });
    const ok = await ask({ credential: pk, method: 'GET', path: '/users/u1/profile', subject: 'u1', assumeSigned: true });
    expect(ok).toMatchObject({ allowed: true, resource: 'own profile', conditions: [] });
    expect(ok.steps[0]).toMatchObject({ check: 'credential', ok: true });
    expect(ok.steps.map((x: { check: string }) => x.check)).toContain('subject');
    expect(await ask({ credential: pk, method: 'GET', path: '/users/u2/profile', subject: 'u1', assumeSigned: true })).toMatchObject({ allowed: false, code: 'SUBJECT_MISMATCH' });
    // A credential that does not verify stops at the first step, like a request would.
    expect(await ask({ credential: 'kw_pk_live_00000000000000000000000000000000000000', method: 'GET', path: '/reports/x' })).toMatchObject({ allowed: false, steps: [{ check: 'credential', ok: false }] });
    // The credential is never echoed back.
    expect(JSON.stringify(ok)).not.toContain(pk);
  });

  it('explains a call for a key id with the checks of GET /v1/keys/{keyId}/access', async () => {
    const s = await setup();
    const rk = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'restricted', name: 'r', scopes: ['reports:read'], ipAllowList: ['10.0.0.0/8'] }, CLI);
    const ask = async (body: Record<string, unknown>) => (await s.server.inject({ method: 'POST', url: '/v1/policy/explain', headers: bearer(s.root), payload: body })).json();
    const ok = await ask({ keyId: rk.key.id, method: 'GET', path: '/reports/q1' });
    expect(ok).toMatchObject({ allowed: true, resource: 'reports' });
    expect(ok.conditions).toHaveLength(1);
    expect(await ask({ keyId: rk.key.id, method: 'GET', path: '/users/u1/profile' })).toMatchObject({ allowed: false, code: 'KIND_NOT_ALLOWED' });
    await s.kw.keys.revoke(rk.key.id, 'test', CLI);
    expect(await ask({ keyId: rk.key.id, method: 'GET', path: '/reports/q1' })).toMatchObject({ allowed: false, code: 'INVALID_CREDENTIAL', steps: [{ check: 'credential', ok: false }] });
  });

  it('asking spends no credits of a metered key', async () => {
    const s = await setup();
    const rk = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'restricted', name: 'm', scopes: ['reports:read'], credits: { amount: 1, refill: null } }, CLI);
    const ask = async () => (await s.server.inject({ method: 'POST', url: '/v1/policy/explain', headers: bearer(s.root), payload: { credential: rk.secret, method: 'GET', path: '/reports/q1' } })).json();
    expect(await ask()).toMatchObject({ allowed: true });
    expect(await ask()).toMatchObject({ allowed: true });
    expect((await s.kw.keys.get(rk.key.id)).creditsRemaining).toBe(1);
  });

  it('refuses both or neither of credential and keyId, and answers CONFLICT without a map', async () => {
    const s = await setup();
    const both = await s.server.inject({ method: 'POST', url: '/v1/policy/explain', headers: bearer(s.root), payload: { method: 'GET', path: '/x' } });
    expect(both.json().code).toBe('VALIDATION_FAILED');
    const none = await setup(null);
    const pk = (await none.kw.keys.create({ appId: none.appId, environment: 'live', kind: 'publishable', name: 'p' }, CLI)).secret;
    expect((await none.server.inject({ method: 'POST', url: '/v1/policy/explain', headers: bearer(none.root), payload: { credential: pk, method: 'GET', path: '/x' } })).json().code).toBe('CONFLICT');
  });
});
