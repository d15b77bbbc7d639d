import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import type { Keyward } from '../../src/keyward.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import { PERMISSIONS } from '../../src/rootkeys/permissions.js';
import { ALL_MIGRATIONS } from '../../src/store/sql/all-migrations.js';
import { runMigrations } from '../../src/store/sql/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { bearer, CLI, makeApi } from '../helpers.js';

type Api = Awaited<ReturnType<typeof makeApi>>;
const open: Keyward[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function api(): Promise<Api> {
  const a = await makeApi();
  open.push(a.kw);
  return a;
}

async function rootKey(a: Api, permissions: string[], appIds: string[] | null = null, as = a.root) {
  const res = await a.server.inject({ method: 'POST', url: '/v1/root-keys', headers: bearer(as), payload: { name: 'limited', permissions, appIds } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { key: { id: string; permissions: string[]; appIds: string[] | null }; secret: string };
}

const call = (a: Api, key: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => a.server.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

describe('root key permissions on the admin API', () => {
  it('every non-public route declares a permission from the closed list', async () => {
    const a = await api();
    const guarded = a.server.routeTable.filter((r) => r.auth !== 'public');
    expect(guarded.length).toBeGreaterThan(20);
    for (const r of guarded) expect(PERMISSIONS, `${r.method} ${r.url}`).toContain(r.permission);
  });

  it('a key holding only apps:read reads apps and is refused everything else with INSUFFICIENT_PERMISSION', async () => {
    const a = await api();
    const { secret } = await rootKey(a, ['apps:read']);
    expect((await call(a, secret, 'GET', '/v1/apps')).statusCode).toBe(200);
    expect((await call(a, secret, 'GET', `/v1/apps/${a.appId}`)).statusCode).toBe(200);
    for (const [method, url, payload] of [
      ['POST', '/v1/apps', { name: 'x' }],
      ['PATCH', `/v1/apps/${a.appId}`, { name: 'y' }],
      ['GET', `/v1/apps/${a.appId}/keys`],
      ['POST', `/v1/apps/${a.appId}/keys`, { kind: 'secret', environment: 'live', name: 'k' }],
      ['GET', '/v1/audit'],
      ['GET', '/metrics'],
      ['POST', '/v1/keys/verify', { key: generateKey('secret', 'live') }],
      ['GET', '/v1/root-keys'],
      ['POST', '/v1/root-keys', { name: 'n', permissions: ['apps:read'] }],
    ] as const) {
      const res = await call(a, secret, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code, `${method} ${url}`).toBe('INSUFFICIENT_PERMISSION');
    }
    // Refused calls created nothing.
    expect((await a.kw.apps.list({ limit: 10 })).items).toHaveLength(1);
    expect((await a.kw.keys.list({ appId: a.appId }, { limit: 10 })).items).toHaveLength(0);
  });

  it('a key restricted to one app acts on that app only, and never on routes that act across apps', async () => {
    const a = await api();
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const { secret } = await rootKey(a, ['apps:read', 'keys:read', 'keys:write', 'credentials:verify', 'audit:read'], [a.appId]);
    const listed = (await call(a, secret, 'GET', '/v1/apps')).json().items.map((x: { id: string }) => x.id);
    expect(listed).toEqual([a.appId]);
    expect((await call(a, secret, 'GET', `/v1/apps/${other.id}`)).json().code).toBe('INSUFFICIENT_PERMISSION');
    const mine = await call(a, secret, 'POST', `/v1/apps/${a.appId}/keys`, { kind: 'secret', environment: 'live', name: 'k' });
    expect(mine.statusCode).toBe(201);
    const refused = await call(a, secret, 'POST', `/v1/apps/${other.id}/keys`, { kind: 'secret', environment: 'live', name: 'k' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('INSUFFICIENT_PERMISSION');
    // A key of the other app, reached by its id: refused too.
    const theirs = await a.kw.keys.create({ appId: other.id, environment: 'live', kind: 'secret', name: 't' }, CLI);
    expect((await call(a, secret, 'GET', `/v1/keys/${theirs.key.id}`)).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await call(a, secret, 'POST', `/v1/keys/${theirs.key.id}/revoke`, { reason: 'x' })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await a.kw.keys.get(theirs.key.id)).revokedAtMs).toBeNull();
    // The audit log spans every app: holding audit:read is not enough for an app-restricted key.
    expect((await call(a, secret, 'GET', '/v1/audit')).json().code).toBe('INSUFFICIENT_PERMISSION');
    // Verification: it must name its app, and it verifies only keys of that app (on the fast path).
    expect((await call(a, secret, 'POST', '/v1/keys/verify', { key: theirs.secret })).json().code).toBe('VALIDATION_FAILED');
    expect((await call(a, secret, 'POST', '/v1/keys/verify', { key: theirs.secret, appId: other.id })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await call(a, secret, 'POST', '/v1/keys/verify', { key: theirs.secret, appId: a.appId })).json()).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect((await call(a, secret, 'POST', '/v1/keys/verify', { key: mine.json().secret, appId: a.appId })).json()).toMatchObject({ valid: true });
  });

  it('a root key is not an app key: /v1/keys/{id} does not reach it (no rotation of a stronger key with keys:write)', async () => {
    const a = await api();
    const { secret } = await rootKey(a, ['keys:read', 'keys:write']);
    const full = await a.kw.rootKeys.create({ name: 'spare', permissions: ['*'] }, CLI);
    for (const [method, url, payload] of [
      ['GET', `/v1/keys/${full.key.id}`],
      ['POST', `/v1/keys/${full.key.id}/rotate`, { gracePeriodSeconds: 0 }],
      ['POST', `/v1/keys/${full.key.id}/reissue`],
      ['POST', `/v1/keys/${full.key.id}/revoke`, { reason: 'x' }],
    ] as const) {
      const res = await call(a, secret, method, url, payload);
      expect(res.json().code, url).toBe('NOT_FOUND');
    }
    expect((await call(a, full.secret, 'GET', '/v1/apps')).statusCode).toBe(200);
  });
});

describe('root key permissions on the verify fast path', () => {
  it('over real HTTP (the fast path, which has no preHandler) the permission and the app restriction hold', async () => {
    const a = await api();
    await a.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = a.server.server.address() as { port: number };
    const verify = (key: string, body: object) => fetch(`http://127.0.0.1:${port}/v1/keys/verify`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const target = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 't' }, CLI);
    const reader = await rootKey(a, ['apps:read']);
    const scoped = await rootKey(a, ['credentials:verify'], [a.appId]);
    const denied = await verify(reader.secret, { key: target.secret });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { code: string }).code).toBe('INSUFFICIENT_PERMISSION');
    expect(((await (await verify(scoped.secret, { key: target.secret })).json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    expect(await (await verify(scoped.secret, { key: target.secret, appId: a.appId })).json()).toMatchObject({ valid: true });
    await a.server.close();
  });
});

describe('root key lifecycle', () => {
  it('creates, lists, gets, updates, rotates and revokes root keys; the secret is shown once and stored as a hash; every change audited', async () => {
    const a = await api();
    const created = await rootKey(a, ['keys:read', 'apps:read', 'apps:read']);
    expect(created.key).toMatchObject({ permissions: ['apps:read', 'keys:read'], appIds: null });
    const id = created.key.id;
    expect((await a.kw.store.findKeyByHash(sha256Hex(created.secret)))?.key.id).toBe(id);
    const list = await call(a, a.root, 'GET', '/v1/root-keys');
    expect(list.json().items.map((k: { id: string }) => k.id)).toContain(id);
    expect(list.body).not.toContain(created.secret);
    expect((await call(a, a.root, 'GET', `/v1/root-keys/${id}`)).json()).toMatchObject({ id, kind: 'root', permissions: ['apps:read', 'keys:read'] });

    const patched = await call(a, a.root, 'PATCH', `/v1/root-keys/${id}`, { permissions: ['apps:read'], name: 'reader' });
    expect(patched.json()).toMatchObject({ name: 'reader', permissions: ['apps:read'] });
    expect((await call(a, created.secret, 'GET', `/v1/apps/${a.appId}/keys`)).json().code).toBe('INSUFFICIENT_PERMISSION');

    const rotated = await call(a, a.root, 'POST', `/v1/root-keys/${id}/rotate`, { gracePeriodSeconds: 0 });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().secret as string;
    expect((await call(a, fresh, 'GET', '/v1/apps')).statusCode).toBe(200);
    expect((await call(a, created.secret, 'GET', '/v1/apps')).statusCode).toBe(401);

    const revoked = await call(a, a.root, 'POST', `/v1/root-keys/${id}/revoke`, { reason: 'done' });
    expect(revoked.json().revokedAt).not.toBeNull();
    expect((await call(a, fresh, 'GET', '/v1/apps')).statusCode).toBe(401);

    // (The refused old secret adds a rate-limited key.denied record; only the changes matter here.)
    const actions = (await a.kw.store.listAudit({ limit: 100, target: id })).map((r) => r.action).filter((x) => x !== 'key.denied');
    expect(actions).toEqual(['key.create', 'key.update', 'key.rotate', 'key.revoke']);
    const createRecord = (await a.kw.store.listAudit({ limit: 1, target: id }))[0]!;
    expect(createRecord.data).toMatchObject({ kind: 'root', permissions: ['apps:read', 'keys:read'], appIds: null });
    expect(JSON.stringify(await a.kw.store.listAudit({ limit: 100 }))).not.toContain(created.secret);
  });

  it('a root key cannot grant more than it holds, nor change, rotate or revoke a key stronger than itself; refusals create nothing', async () => {
    const a = await api();
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const admin = await rootKey(a, ['rootkeys:read', 'rootkeys:write', 'apps:read'], [a.appId]);
    const before = (await a.kw.rootKeys.list({ limit: 100 })).items.length;
    for (const payload of [
      { name: 'x', permissions: ['*'], appIds: [a.appId] },
      { name: 'x', permissions: ['apps:write'], appIds: [a.appId] },
      { name: 'x', permissions: ['apps:read'] },
      { name: 'x', permissions: ['apps:read'], appIds: [a.appId, other.id] },
    ]) {
      const res = await call(a, admin.secret, 'POST', '/v1/root-keys', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(403);
      expect(res.json().code).toBe('INSUFFICIENT_PERMISSION');
    }
    for (const payload of [{ name: 'x', permissions: ['apps:fly'] }, { name: 'x', permissions: [] }, { name: 'x', permissions: ['apps:read'], appIds: [newId('app')] }]) {
      const res = await call(a, a.root, 'POST', '/v1/root-keys', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
    expect((await a.kw.rootKeys.list({ limit: 100 })).items.length).toBe(before);
    // Within its own power it may create.
    const sub = await rootKey(a, ['apps:read'], [a.appId], admin.secret);
    expect(sub.key.appIds).toEqual([a.appId]);

    const full = (await a.kw.rootKeys.list({ limit: 100 })).items.find((k) => k.permissions?.[0] === '*')!;
    expect((await call(a, admin.secret, 'POST', `/v1/root-keys/${full.id}/rotate`)).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await call(a, admin.secret, 'POST', `/v1/root-keys/${full.id}/revoke`, { reason: 'x' })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await call(a, admin.secret, 'PATCH', `/v1/root-keys/${full.id}`, { name: 'mine now' })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await call(a, admin.secret, 'GET', `/v1/root-keys/${full.id}`)).json().code).toBe('INSUFFICIENT_PERMISSION');
    // Nor widen a key it covers beyond itself, nor lift its own app restriction.
    expect((await call(a, admin.secret, 'PATCH', `/v1/root-keys/${sub.key.id}`, { permissions: ['apps:write'] })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await call(a, admin.secret, 'PATCH', `/v1/root-keys/${admin.key.id}`, { appIds: null })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await a.kw.rootKeys.get(full.id)).name).toBe('root');
    expect((await a.kw.rootKeys.list({ limit: 100 })).items.map((k) => k.id)).not.toContain(undefined);
    // Its listing shows only what it covers.
    const visible = (await call(a, admin.secret, 'GET', '/v1/root-keys')).json().items.map((k: { id: string }) => k.id);
    expect(visible).toContain(sub.key.id);
    expect(visible).not.toContain(full.id);
  });

  it('the last full-power root key cannot be revoked, disabled or reduced (LAST_ROOT_KEY); with a second one it can', async () => {
    const a = await api();
    const [full] = (await a.kw.rootKeys.list({ limit: 10 })).items;
    for (const payload of [{ permissions: ['apps:read'] }, { enabled: false }, { appIds: [a.appId] }]) {
      const res = await call(a, a.root, 'PATCH', `/v1/root-keys/${full!.id}`, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(409);
      expect(res.json().code).toBe('LAST_ROOT_KEY');
    }
    await expect(a.kw.rootKeys.revoke(full!.id, 'oops', CLI)).rejects.toMatchObject({ code: 'LAST_ROOT_KEY' });
    await expect(a.kw.keys.revoke(full!.id, 'oops', CLI)).rejects.toMatchObject({ code: 'LAST_ROOT_KEY' });
    expect(await a.kw.rootKeys.get(full!.id)).toMatchObject({ revokedAtMs: null, enabled: true, permissions: ['*'] });
    expect((await a.kw.store.listAudit({ limit: 100, target: full!.id })).map((r) => r.action)).toEqual(['key.create']);
    // A limited key does not count as full power.
    await rootKey(a, ['apps:read']);
    expect((await call(a, a.root, 'PATCH', `/v1/root-keys/${full!.id}`, { enabled: false })).json().code).toBe('LAST_ROOT_KEY');
    const second = await rootKey(a, ['*']);
    expect((await call(a, second.secret, 'POST', `/v1/root-keys/${full!.id}/revoke`, { reason: 'replaced' })).statusCode).toBe(200);
    expect((await call(a, second.secret, 'PATCH', `/v1/root-keys/${second.key.id}`, { permissions: ['apps:read'] })).json().code).toBe('LAST_ROOT_KEY');
  });

  it('two operators revoking the last two full-power keys at once leave one standing', async () => {
    const a = await api();
    const [first] = (await a.kw.rootKeys.list({ limit: 10 })).items;
    const second = await a.kw.rootKeys.create({ name: 'second', permissions: ['*'] }, CLI);
    const results = await Promise.allSettled([a.kw.rootKeys.revoke(first!.id, 'race', CLI), a.kw.rootKeys.revoke(second.key.id, 'race', CLI)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'LAST_ROOT_KEY' } });
    const live = (await a.kw.rootKeys.list({ limit: 10 })).items;
    expect(live).toHaveLength(1);
  });

  it('a root key made before permissions existed keeps full power after the upgrade', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-rootmig-'));
    dirs.push(dir);
    const old = openSqliteStore({ dataDir: dir });
    await runMigrations(old.db, 'sqlite', ALL_MIGRATIONS.filter((m) => m.version < 6), Date.now());
    const id = newId('key');
    const plain = generateKey('root', null);
    await old.db
      .insertInto('keys')
      .values({ id, app_id: null, environment: null, kind: 'root', name: 'old', scopes: '[]', subject: null, meta: '{}', ip_allow_list: '[]', enabled: 1, expires_at_ms: null, revoked_at_ms: null, revoked_reason: null, exposed_at_ms: null, start: 'kw_root_x', reissued_from_id: null, created_at_ms: 1, updated_at_ms: 1, version: 1, usage_count: 0, last_used_at_ms: null })
      .execute();
    await old.db.insertInto('key_secrets').values({ hash: sha256Hex(plain), key_id: id, start: 'kw_root_x', created_at_ms: 1, expires_at_ms: null }).execute();
    await old.close();
    const upgraded = openSqliteStore({ dataDir: dir });
    await upgraded.migrate();
    expect(await upgraded.getKey(id)).toMatchObject({ permissions: ['*'], appIds: null });
    await upgraded.close();
  });
});
