import { afterEach, describe, expect, it } from 'vitest';
import type { Keyward } from '../../src/keyward.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { bearer, CLI, makeApi } from '../helpers.js';

const MAP = compileAccessMap(
  parseAccessMap(`
version: 1
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
  - name: admin
    path: /admin/*
    allow: [secret]
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

describe('GET /v1/keys/{keyId}/access', () => {
  it('lists what a restricted key may call in the loaded map, and the code each other resource would answer', async () => {
    const s = await setup();
    const key = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'restricted', name: 'r', scopes: ['reports:read'] }, CLI);
    const res = await s.server.inject({ method: 'GET', url: `/v1/keys/${key.key.id}/access`, headers: bearer(s.root) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ keyId: key.key.id, usable: true, conditions: [] });
    const byName = Object.fromEntries(body.resources.map((r: { resource: string }) => [r.resource, r]));
    expect(byName['reports']).toMatchObject({ allowed: true, methods: '*' });
    expect(byName['own profile']).toMatchObject({ allowed: false, code: 'KIND_NOT_ALLOWED', methods: ['GET', 'PUT'] });
    expect(byName['admin']).toMatchObject({ allowed: false, code: 'KIND_NOT_ALLOWED' });
    // Without the scope the same resource answers INSUFFICIENT_SCOPES.
    const narrow = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'restricted', name: 'n', scopes: ['other:read'] }, CLI);
    const n = (await s.server.inject({ method: 'GET', url: `/v1/keys/${narrow.key.id}/access`, headers: bearer(s.root) })).json();
    expect(n.resources.find((r: { resource: string }) => r.resource === 'reports')).toMatchObject({ allowed: false, code: 'INSUFFICIENT_SCOPES' });
  });

  it('explains one call as `policy explain` does, with assumed proofs and the subject; a revoked key is not usable', async () => {
    const s = await setup();
    const key = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'publishable', name: 'p' }, CLI);
    const ask = async (query: string) => (await s.server.inject({ method: 'GET', url: `/v1/keys/${key.key.id}/access?${query}`, headers: bearer(s.root) })).json();
    expect(await ask('method=GET&path=/users/u1/profile')).toMatchObject({ usable: false, code: 'SUBJECT_REQUIRED' });
    expect((await ask('method=GET&path=/users/u1/profile&subject=u1')).call).toMatchObject({ allowed: false, code: 'SIGNATURE_REQUIRED' });
    const ok = await ask('method=GET&path=/users/u1/profile&subject=u1&assumeSigned=true');
    expect(ok).toMatchObject({ usable: true, call: { allowed: true, resource: 'own profile', method: 'GET' } });
    expect(ok.call.steps.map((x: { check: string }) => x.check)).toContain('subject');
    expect((await ask('method=GET&path=/users/u2/profile&subject=u1&assumeSigned=true')).call).toMatchObject({ allowed: false, code: 'SUBJECT_MISMATCH' });
    expect((await ask('method=DELETE&path=/users/u1/profile&subject=u1')).call).toMatchObject({ allowed: false, code: 'ACCESS_DENIED', reason: 'METHOD_NOT_LISTED' });
    expect((await ask('method=GET')).code).toBe('VALIDATION_FAILED');
    await s.kw.keys.revoke(key.key.id, 'x', CLI);
    expect(await ask('method=GET&path=/users/u1/profile&subject=u1&assumeSigned=true')).toMatchObject({ usable: false, code: 'INVALID_CREDENTIAL' });
  });

  it('needs keys:read and the key’s app; answers CONFLICT without a loaded map', async () => {
    const s = await setup();
    const key = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const other = await s.kw.apps.create({ name: 'other' }, CLI);
    const noRead = await s.kw.rootKeys.create({ name: 'apps', permissions: ['apps:read'] }, CLI);
    const elsewhere = await s.kw.rootKeys.create({ name: 'o', permissions: ['keys:read'], appIds: [other.id] }, CLI);
    for (const k of [noRead.secret, elsewhere.secret]) expect((await s.server.inject({ method: 'GET', url: `/v1/keys/${key.key.id}/access`, headers: bearer(k) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    const bare = await setup(null);
    const k2 = await bare.kw.keys.create({ appId: bare.appId, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const res = await bare.server.inject({ method: 'GET', url: `/v1/keys/${k2.key.id}/access`, headers: bearer(bare.root) });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('CONFLICT');
  });
});
