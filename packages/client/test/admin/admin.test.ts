import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeywardAdmin, KeywardApiError, KeywardNetworkError, type KeywardAdmin } from '../../src/admin/index.js';
import { makeApi } from '../../../server/test/helpers.js';

/** One real Keyward API on a loopback port (SQLite in memory, frozen clock); the SDK talks to it over fetch. */
let api: Awaited<ReturnType<typeof makeApi>>;
let baseUrl: string;
let kw: KeywardAdmin;
beforeAll(async () => {
  api = await makeApi();
  await api.server.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}`;
  kw = createKeywardAdmin({ baseUrl, rootKey: api.root });
});
afterAll(async () => {
  await api.server.close();
  await api.kw.close();
});

describe('admin SDK against a real server', () => {
  it('apps: create, get, list, update, pins', async () => {
    const app = await kw.apps.create({ name: 'sdk-app', settings: { defaultRotationGraceSeconds: 60 } });
    expect(app.id).toMatch(/^app_/);
    expect(app.settings.defaultRotationGraceSeconds).toBe(60);
    expect(await kw.apps.get(app.id)).toEqual(app);
    const updated = await kw.apps.update(app.id, { name: 'renamed' });
    expect(updated).toMatchObject({ id: app.id, name: 'renamed', version: app.version + 1 });
    const page = await kw.apps.list({ limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.next).toBeDefined();
    const rest = await kw.apps.list({ limit: 100, after: page.next! });
    expect([...page.items, ...rest.items].map((a) => a.id)).toContain(app.id);
    expect((await kw.apps.pins(app.id)).pins).toEqual([]);
    const every: string[] = [];
    for await (const a of kw.apps.all({ limit: 1 })) every.push(a.id);
    expect(every).toEqual([...page.items, ...rest.items].map((a) => a.id));
  });

  it('apps: delete is refused with APP_HAS_CREDENTIALS while a key is live, then with force revokes it', async () => {
    const app = await kw.apps.create({ name: 'doomed' });
    const { key, secret } = await kw.keys.create({ appId: app.id, kind: 'secret', environment: 'live', name: 'backend' });
    await expect(kw.apps.delete(app.id)).rejects.toMatchObject({ code: 'APP_HAS_CREDENTIALS', status: 409 });
    expect(await kw.apps.delete(app.id, { force: true, reason: 'customer left' })).toEqual({ id: app.id, deleted: true, revokedKeys: [key.id], revokedSessions: 0, revokedDevices: 0 });
    expect((await kw.keys.verify(secret)).code).toBe('INVALID_CREDENTIAL');
    await expect(kw.apps.get(app.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('root keys and identities: least privilege refusals and shared identity data reach the SDK typed', async () => {
    const limited = await kw.rootKeys.create({ name: 'reader', permissions: ['apps:read'] });
    expect(limited.key.permissions).toEqual(['apps:read']);
    const reader = createKeywardAdmin({ baseUrl, rootKey: limited.secret });
    expect((await reader.apps.list()).items.length).toBeGreaterThan(0);
    await expect(reader.apps.create({ name: 'nope' })).rejects.toMatchObject({ code: 'INSUFFICIENT_PERMISSION', status: 403 });
    expect((await kw.rootKeys.list()).items.map((k) => k.id)).toContain(limited.key.id);
    expect((await kw.rootKeys.revoke(limited.key.id, 'done')).revokedAt).not.toBeNull();

    const identity = await kw.identities.create({ appId: api.appId, externalId: 'sdk-org', meta: { plan: 'pro' } });
    const { secret } = await kw.keys.create({ appId: api.appId, kind: 'secret', environment: 'live', name: 'idt', identityId: identity.id });
    expect((await kw.keys.verify(secret)).identity).toEqual({ id: identity.id, externalId: 'sdk-org', meta: { plan: 'pro' } });
    await expect(kw.identities.delete(identity.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await kw.identities.delete(identity.id, { detachKeys: true })).detachedKeys).toHaveLength(1);
  });

  it('keys: create, verify (a value for every "no"), update, rotate, revoke, reissue, list', async () => {
    const { key, secret } = await kw.keys.create({ appId: api.appId, kind: 'restricted', environment: 'live', name: 'backend', scopes: ['orders:read'], meta: { plan: 'pro' } });
    expect(secret).toMatch(/^kw_/);
    expect(await kw.keys.get(key.id)).toMatchObject({ id: key.id, name: 'backend', enabled: true });

    const ok = await kw.keys.verify(secret, { scopes: ['orders:read'] });
    expect(ok).toMatchObject({ valid: true, code: 'VALID', keyId: key.id, meta: { plan: 'pro' } });
    expect((await kw.keys.verify(secret, { scopes: ['orders:write'] })).code).toBe('INSUFFICIENT_SCOPES');
    expect(await kw.keys.verify('not-a-key')).toMatchObject({ valid: false, code: 'KEY_MALFORMED' });

    const disabled = await kw.keys.update(key.id, { enabled: false });
    expect(disabled.enabled).toBe(false);
    expect((await kw.keys.verify(secret)).code).toBe('CREDENTIAL_DISABLED');
    await kw.keys.update(key.id, { enabled: true });

    const rotated = await kw.keys.rotate(key.id, { gracePeriodSeconds: 0 });
    expect(rotated.key.id).toBe(key.id);
    expect((await kw.keys.verify(rotated.secret)).valid).toBe(true);
    expect((await kw.keys.verify(secret)).code).toBe('INVALID_CREDENTIAL');

    const reissued = await kw.keys.reissue(key.id);
    expect(reissued.key.id).not.toBe(key.id);
    expect((await kw.keys.verify(reissued.secret)).valid).toBe(true);
    expect((await kw.keys.verify(rotated.secret)).code).toBe('INVALID_CREDENTIAL');

    const revoked = await kw.keys.revoke(reissued.key.id, 'test over');
    expect(revoked.revokedReason).toBe('test over');
    expect((await kw.keys.verify(reissued.secret)).code).toBe('INVALID_CREDENTIAL');

    const live = await kw.keys.list({ appId: api.appId });
    expect(live.items.map((k) => k.id)).not.toContain(key.id);
    const all = await kw.keys.list({ appId: api.appId, includeRevoked: true, limit: 1000 });
    expect(all.items.map((k) => k.id)).toEqual(expect.arrayContaining([key.id, reissued.key.id]));
    const paged: string[] = [];
    for await (const k of kw.keys.all({ appId: api.appId, includeRevoked: true, limit: 1 })) paged.push(k.id);
    expect(paged).toEqual(all.items.map((k) => k.id));
  });

  it('verify any credential, with the catalogue code', async () => {
    const { secret } = await kw.keys.create({ appId: api.appId, kind: 'secret', environment: 'test', name: 'any' });
    expect(await kw.verify({ credential: secret })).toMatchObject({ valid: true, code: 'VALID', scheme: 'key' });
    const { secret: other } = await kw.keys.create({ appId: api.appId, kind: 'secret', environment: 'test', name: 'gone' });
    const { items } = await kw.keys.list({ appId: api.appId, environment: 'test' });
    await kw.keys.revoke(items.find((k) => k.name === 'gone')!.id, 'x');
    expect((await kw.verify({ credential: other })).code).toBe('INVALID_CREDENTIAL');
  });

  it('sessions: create, list, revoke one, revoke a subject', async () => {
    const scope = { appId: api.appId, environment: 'live' as const };
    const a = await kw.sessions.create({ subject: 'user_1', ...scope, device: { platform: 'ios' } });
    const b = await kw.sessions.create({ subject: 'user_1', ...scope });
    expect(a.sessionKey).not.toBe(b.sessionKey);
    expect((await kw.verify({ credential: a.sessionKey })).valid).toBe(true);
    expect((await kw.sessions.list({ subject: 'user_1', ...scope })).items.map((s) => s.id).sort()).toEqual([a.session.id, b.session.id].sort());
    expect((await kw.sessions.revoke(a.session.id, { reason: 'lost phone' })).revokedReason).toBe('lost phone');
    await kw.sessions.revokeSubject('user_1', { ...scope, reason: 'sign out everywhere' });
    expect((await kw.sessions.list({ subject: 'user_1', ...scope })).items).toEqual([]);
    expect((await kw.verify({ credential: b.sessionKey })).valid).toBe(false);
    await kw.sessions.setPassword('user_2', { ...scope, password: 'correct horse battery staple' });
  });

  it('tokens and signing keys: mint, verify, revoke, JWKS, rotate', async () => {
    const scope = { appId: api.appId, environment: 'live' as const };
    const minted = await kw.tokens.create({ subject: 'user_1', audience: 'orders', scopes: ['orders:read'], ttlSeconds: 300, ...scope });
    const verified = await kw.tokens.verify({ token: minted.token, audience: 'orders', ...scope });
    expect(verified).toMatchObject({ valid: true, code: 'VALID', subject: 'user_1', jti: minted.jti });
    expect((await kw.tokens.verify({ token: minted.token, audience: 'billing', ...scope })).valid).toBe(false);
    const revoked = await kw.tokens.revoke(minted.jti, { ...scope, reason: 'leaked in a log' });
    expect(revoked).toMatchObject({ jti: minted.jti, revoked: true, alreadyRevoked: false, reason: 'leaked in a log' });
    expect(await kw.tokens.verify({ token: minted.token, audience: 'orders', ...scope })).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
    expect((await kw.verify({ credential: minted.token })).valid).toBe(false);
    expect((await kw.tokens.revoke(minted.jti, scope)).alreadyRevoked).toBe(true);
    const jwks = (await kw.tokens.jwks()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(minted.kid);
    await kw.signingKeys.rotate({ immediate: true });
    const again = await kw.tokens.create({ subject: 'user_1', audience: 'orders', scopes: [], ttlSeconds: 60, ...scope });
    expect(again.kid).not.toBe(minted.kid);
  });

  it('secrets: put (never read back), list, delete', async () => {
    const put = await kw.secrets.put({ appId: api.appId, environment: 'live', name: 'openai_key', value: 'sk-test-0123456789abcdef', description: 'LLM' });
    expect(JSON.stringify(put)).not.toContain('sk-test-0123456789abcdef');
    expect((await kw.secrets.list({ appId: api.appId, environment: 'live' })).items.map((s) => s.id)).toEqual([put.id]);
    await kw.secrets.delete(put.id);
    expect((await kw.secrets.list({ appId: api.appId })).items).toEqual([]);
  });

  it('audit: lists what the SDK did, paged by sequence number', async () => {
    const first = await kw.audit.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const actions = (await kw.audit.list({ limit: 1000 })).items.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['app.create', 'key.create', 'key.rotate', 'key.revoke', 'secret.create', 'secret.delete', 'session.create', 'signing_key.rotate']));
    const after = await kw.audit.list({ after: first.items[1]!.seq, limit: 1 });
    expect(after.items[0]!.seq).toBe(first.items[1]!.seq + 1);
    expect((await kw.devices.list({ appId: api.appId, environment: 'live' })).items).toEqual([]);
  });

  it('analytics: the verifications made above, by key and by app, split by code', async () => {
    const { key, secret } = await kw.keys.create({ appId: api.appId, kind: 'secret', environment: 'live', name: 'counted' });
    await kw.keys.verify(secret);
    await kw.keys.verify(secret);
    await kw.keys.update(key.id, { enabled: false });
    await kw.keys.verify(secret);
    const byKey = await kw.analytics.verifications({ keyId: key.id, granularity: 'minute' });
    expect(byKey.granularity).toBe('minute');
    expect(byKey.buckets.map((b) => b.outcomes)).toEqual([{ CREDENTIAL_DISABLED: 1, VALID: 2 }]);
    const byApp = await kw.analytics.verifications({ appId: api.appId, granularity: 'day', from: new Date(Date.UTC(2026, 4, 1)) });
    expect(byApp.from).toBe('2026-05-01T00:00:00.000Z');
    expect(byApp.buckets[0]!.total).toBeGreaterThan(3);
    const err = await kw.analytics.verifications({ granularity: 'minute', from: '2020-01-01T00:00:00Z' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    // The same counts ranked by the server: this key's three verifications, one of them refused.
    const top = await kw.analytics.topKeys({ appId: api.appId, granularity: 'minute', limit: 100 });
    expect(top.keys.find((k) => k.keyId === key.id)).toMatchObject({ name: 'counted', environment: 'live', kind: 'secret', total: 3, valid: 2, rejected: 1 });
    expect(await kw.analytics.topKeys({ appId: api.appId, limit: 101 }).catch((e: unknown) => e)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const events = await kw.analytics.events({ appId: api.appId, granularity: 'day', from: new Date(Date.UTC(2026, 4, 1)) });
    expect(events.from).toBe('2026-05-01T00:00:00.000Z');
    expect(Array.isArray(events.buckets)).toBe(true);
  });

  it('errors: a typed KeywardApiError with the catalogue code, status and the request id; network failures apart', async () => {
    const err = await kw.keys.get('key_0000000000000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeywardApiError);
    expect(err).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((err as KeywardApiError).requestId).toMatch(/^req_/);
    const gone = await kw.keys.create({ appId: api.appId, kind: 'secret', environment: 'live', name: 'gone' });
    await kw.keys.revoke(gone.key.id, 'x');
    const badRoot = createKeywardAdmin({ baseUrl, rootKey: gone.secret });
    expect(await badRoot.apps.list().catch((e: unknown) => e)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const invalid = await kw.apps.create({ name: '' }).catch((e: unknown) => e as KeywardApiError);
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    // Public operations carry no root key.
    expect(await badRoot.health()).toEqual({ status: 'ok' });
    const down = createKeywardAdmin({ baseUrl: 'http://127.0.0.1:9', rootKey: api.root });
    expect(await down.apps.list().catch((e: unknown) => e)).toBeInstanceOf(KeywardNetworkError);
  });
});
