import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createKeyward } from '../../src/keyward.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { bearer, CLI, makeApi } from '../helpers.js';
import { pgStore } from '../store/pg-harness.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function api() {
  const a = await makeApi();
  cleanups.push(() => a.kw.close());
  return a;
}

describe('DELETE /v1/apps/{appId}', () => {
  it('is refused with APP_HAS_CREDENTIALS while the app has a live key, and changes nothing', async () => {
    const a = await api();
    const pk = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'publishable', name: 'ios', scopes: [] }, CLI);
    const res = await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}`, headers: bearer(a.root) });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('APP_HAS_CREDENTIALS');
    expect((await a.server.inject({ method: 'GET', url: `/v1/apps/${a.appId}`, headers: bearer(a.root) })).statusCode).toBe(200);
    expect((await a.kw.verifier.verify(pk.secret, { subject: 'u1' })).valid).toBe(true);
    expect((await a.kw.store.listAudit({ limit: 50, target: a.appId })).map((r) => r.action)).toEqual(['app.create']);
    // ?force=false is the same refusal; a live session alone also refuses.
    expect((await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}?force=false`, headers: bearer(a.root) })).json().code).toBe('APP_HAS_CREDENTIALS');
    await a.kw.keys.revoke(pk.key.id, 'gone', CLI);
    await a.kw.sessions.create({ appId: a.appId, environment: 'live', subject: 'u1' }, CLI);
    expect((await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}`, headers: bearer(a.root) })).json().code).toBe('APP_HAS_CREDENTIALS');
  });

  it('an app with no live credential is deleted without force: gone from get and list, audited, and its id no longer takes keys', async () => {
    const a = await api();
    const keep = await a.kw.apps.create({ name: 'keep' }, CLI);
    const old = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'old' }, CLI);
    await a.kw.keys.revoke(old.key.id, 'rotated out', CLI);
    const res = await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}`, headers: bearer(a.root) });
    expect(res.json()).toEqual({ id: a.appId, deleted: true, revokedKeys: [], revokedSessions: 0, revokedDevices: 0 });
    expect((await a.server.inject({ method: 'GET', url: `/v1/apps/${a.appId}`, headers: bearer(a.root) })).json().code).toBe('NOT_FOUND');
    expect((await a.server.inject({ method: 'GET', url: '/v1/apps', headers: bearer(a.root) })).json().items.map((x: { id: string }) => x.id)).toEqual([keep.id]);
    const create = await a.server.inject({ method: 'POST', url: `/v1/apps/${a.appId}/keys`, headers: bearer(a.root), payload: { kind: 'secret', environment: 'live', name: 'new' } });
    expect(create.json().code).toBe('NOT_FOUND');
    expect((await a.server.inject({ method: 'PATCH', url: `/v1/apps/${a.appId}`, headers: bearer(a.root), payload: { name: 'x' } })).json().code).toBe('NOT_FOUND');
    expect((await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}`, headers: bearer(a.root) })).json().code).toBe('NOT_FOUND');
    expect((await a.kw.store.listAudit({ limit: 50, target: a.appId })).map((r) => r.action)).toEqual(['app.create', 'app.delete']);
  });

  it('with force=true revokes every key, session, device and token of the app in one audited step; the other app keeps its own', async () => {
    const a = await api();
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const otherKey = await a.kw.keys.create({ appId: other.id, environment: 'live', kind: 'secret', name: 'theirs' }, CLI);
    const otherToken = await a.kw.tokens.mint({ appId: other.id, environment: 'live', subject: 'u1', audience: 'x', scopes: [], ttlSeconds: 300 });
    const pk = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'publishable', name: 'ios', scopes: [] }, CLI);
    const sk = await a.kw.keys.create({ appId: a.appId, environment: 'test', kind: 'secret', name: 'backend' }, CLI);
    const session = await a.kw.sessions.create({ appId: a.appId, environment: 'live', subject: 'u1' }, CLI);
    const device = await a.kw.devices.register({ appId: a.appId, environment: 'live', platform: 'ios' }, CLI);
    const token = await a.kw.tokens.mint({ appId: a.appId, environment: 'test', subject: 'u1', audience: 'x', scopes: [], ttlSeconds: 300 });
    const verifyAny = async (credential: string) => (await a.server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(a.root), payload: { credential, ...(credential === pk.secret ? { subject: 'u1' } : {}) } })).json();
    for (const c of [pk.secret, sk.secret, session.sessionKey, token.token, device.secret!]) expect((await verifyAny(c)).valid, c.slice(0, 8)).toBe(true);

    const res = await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}?force=true&reason=customer%20left`, headers: bearer(a.root) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ id: a.appId, deleted: true, revokedSessions: 1, revokedDevices: 1 });
    expect([...body.revokedKeys].sort()).toEqual([pk.key.id, sk.key.id, device.device.secretKeyId].filter(Boolean).sort());
    for (const c of [pk.secret, sk.secret, session.sessionKey, token.token, device.secret!]) expect((await verifyAny(c)).valid, c.slice(0, 8)).toBe(false);
    expect(await a.kw.verifier.verify(sk.secret)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    expect((await a.kw.keys.get(pk.key.id)).revokedReason).toBe('customer left');
    expect((await a.kw.sessions.get(session.session.id)).revokedAtMs).not.toBeNull();
    expect((await a.kw.devices.get(device.device.id)).revokedAtMs).not.toBeNull();
    const audit = await a.kw.store.listAudit({ limit: 50, target: a.appId });
    expect(audit.map((r) => r.action)).toEqual(['app.create', 'app.delete']);
    expect(audit[1]!.data).toMatchObject({ force: true, reason: 'customer left', revokedKeyCount: body.revokedKeys.length, revokedSessions: 1, revokedDevices: 1 });
    // The other app is untouched.
    expect((await verifyAny(otherKey.secret)).valid).toBe(true);
    expect((await verifyAny(otherToken.token)).valid).toBe(true);
    expect((await a.kw.apps.get(other.id)).id).toBe(other.id);
  });

  it('a root key restricted to another app may not delete it; a refused reason names the field', async () => {
    const a = await api();
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const limited = (await a.server.inject({ method: 'POST', url: '/v1/root-keys', headers: bearer(a.root), payload: { name: 'ops', permissions: ['apps:write', 'apps:read'], appIds: [other.id] } })).json().secret as string;
    expect((await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}`, headers: bearer(limited) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await a.server.inject({ method: 'DELETE', url: `/v1/apps/${a.appId}?reason=`, headers: bearer(a.root) })).json().code).toBe('VALIDATION_FAILED');
    expect((await a.kw.apps.get(a.appId)).id).toBe(a.appId);
  });

  it('two forced deletions at once: one deletes, the other is NOT_FOUND; one audit record', async () => {
    const a = await api();
    await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const both = await Promise.allSettled([a.kw.apps.delete(a.appId, { force: true }, CLI), a.kw.apps.delete(a.appId, { force: true }, CLI)]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { code: string }).code).toBe('NOT_FOUND');
    expect((await a.kw.store.listAudit({ limit: 50, target: a.appId })).filter((r) => r.action === 'app.delete')).toHaveLength(1);
  });
});

describe('an app deleted by another process on the same store', () => {
  it('its keys, cached there, verify as revoked from that process\'s next change-log read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-appdel-'));
    dirs.push(dir);
    const opts = { config: { logLevel: 'silent' as const, changePollIntervalMs: 25, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } };
    const cli = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }) });
    cleanups.push(() => cli.close());
    const server = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }), keyring: cli.keyring });
    cleanups.push(() => server.close());
    const app = await cli.apps.create({ name: 'a' }, CLI);
    const sk = await cli.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const token = await cli.tokens.mint({ appId: app.id, environment: 'live', subject: 'u1', audience: 'x', scopes: [], ttlSeconds: 300 });
    expect((await server.verifier.verify(sk.secret)).valid).toBe(true);
    expect((await server.verifier.verify(sk.secret)).valid).toBe(true); // cached
    expect((await server.tokens.verify(token.token)).valid).toBe(true);
    await cli.apps.delete(app.id, { force: true }, CLI);
    await expect.poll(async () => (await server.verifier.verify(sk.secret)).valid, { timeout: 10_000, interval: 25 }).toBe(false);
    await expect.poll(async () => (await server.tokens.verify(token.token)).valid, { timeout: 10_000, interval: 25 }).toBe(false);
    expect(await server.store.getApp(app.id)).toBeUndefined();
  });
});

describe('app deletion on PostgreSQL', () => {
  it('refuses, then with force revokes keys, sessions and tokens and deletes once under a race', async () => {
    const kw = await createKeyward({ store: await pgStore(), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } });
    cleanups.push(() => kw.close());
    const app = await kw.apps.create({ name: 'pg' }, CLI);
    const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const session = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    const token = await kw.tokens.mint({ appId: app.id, environment: 'live', subject: 'u1', audience: 'x', scopes: [], ttlSeconds: 300 });
    await expect(kw.apps.delete(app.id, {}, CLI)).rejects.toMatchObject({ code: 'APP_HAS_CREDENTIALS' });
    expect((await kw.verifier.verify(sk.secret)).valid).toBe(true);
    const both = await Promise.allSettled([kw.apps.delete(app.id, { force: true }, CLI), kw.apps.delete(app.id, { force: true }, CLI)]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const done = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ revokedKeys: readonly string[]; revokedSessions: number }>).value;
    expect(done).toMatchObject({ revokedKeys: [sk.key.id], revokedSessions: 1 });
    expect((await kw.verifier.verify(sk.secret)).valid).toBe(false);
    expect((await kw.sessions.verify(session.sessionKey)).valid).toBe(false);
    expect((await kw.tokens.verify(token.token)).valid).toBe(false);
    expect((await kw.store.listAudit({ limit: 50, target: app.id })).map((r) => r.action)).toEqual(['app.create', 'app.delete']);
  }, 30_000);
});
