import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/lib/sealed.js';
import { SecretService } from '../../src/secrets/service.js';
import { SqlSecretStore } from '../../src/store/sql/secret-store.js';
import { bearer, CLI, makeApi, makeKeyward } from '../helpers.js';

describe('server-held secrets', () => {
  it('are sealed at rest, never returned, and audited without their value', async () => {
    const api = await makeApi();
    const value = 'sk-live-0123456789abcdefTHIRDPARTY';
    const put = await api.server.inject({ method: 'PUT', url: `/v1/apps/${api.appId}/secrets/live/openai`, headers: bearer(api.root), payload: { value, description: 'LLM' } });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ name: 'openai', hint: '…ARTY', environment: 'live' });
    expect(put.body).not.toContain(value);
    const list = await api.server.inject({ method: 'GET', url: `/v1/apps/${api.appId}/secrets`, headers: bearer(api.root) });
    expect(list.json().items).toHaveLength(1);
    expect(list.body).not.toContain(value);
    const rows = await api.kw.store.db.selectFrom('server_secrets' as never).selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(value);
    const audit = await api.kw.store.listAudit({ limit: 50 });
    expect(audit.map((r) => r.action)).toContain('secret.create');
    expect(JSON.stringify(audit)).not.toContain(value);
    expect(await api.kw.secrets.reveal(api.appId, 'live', 'openai')).toBe(value);
    expect(await api.kw.secrets.reveal(api.appId, 'test', 'openai')).toBeUndefined();
    const replaced = await api.server.inject({ method: 'PUT', url: `/v1/apps/${api.appId}/secrets/live/openai`, headers: bearer(api.root), payload: { value: 'second-value-xyz1' } });
    expect(replaced.statusCode).toBe(200);
    expect(await api.kw.secrets.reveal(api.appId, 'live', 'openai')).toBe('second-value-xyz1');
    const del = await api.server.inject({ method: 'DELETE', url: `/v1/secrets/${put.json().id}`, headers: bearer(api.root) });
    expect(del.statusCode).toBe(204);
    expect(await api.kw.secrets.reveal(api.appId, 'live', 'openai')).toBeUndefined();
    await api.server.close();
    await api.kw.close();
  });

  it('a sealed value moved to another row does not open (bound to its id)', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const a = await kw.secrets.set({ appId: app.id, environment: 'live', name: 'a', value: 'value-of-a-000' }, CLI);
    const b = await kw.secrets.set({ appId: app.id, environment: 'live', name: 'b', value: 'value-of-b-000' }, CLI);
    const store = new SqlSecretStore(kw.store.db);
    const sa = (await store.getSecret(a.secret.id))!;
    const sb = (await store.getSecret(b.secret.id))!;
    await store.updateSecret(sb.id, { sealedValue: sa.sealedValue }, sb.version, 0, { actor: 'attacker', action: 'secret.update', target: sb.id, requestId: 'req_swap' });
    await expect(kw.secrets.reveal(app.id, 'live', 'b')).rejects.toThrow();
    await kw.close();
  });

  it('concurrent first sets of one name: exactly one creates; a lost race is CONFLICT, never a raw store error', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const settled = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => kw.secrets.set({ appId: app.id, environment: 'live', name: 'raced', value: `value-${i}-abcdefgh` }, CLI)));
    expect(settled.filter((r) => r.status === 'fulfilled' && r.value.created)).toHaveLength(1);
    for (const r of settled) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    expect(await kw.secrets.list(app.id)).toHaveLength(1);
    await kw.close();
  });

  it('the master key rotates: re-seal, then the old key can go', async () => {
    const { kw, clock } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const old = { id: 'm1', key: randomBytes(32) };
    const fresh = { id: 'm2', key: randomBytes(32) };
    const store = new SqlSecretStore(kw.store.db);
    const v1 = new SecretService({ store, keyring: new Keyring([old]), now: clock });
    for (let i = 0; i < 3; i++) await v1.set({ appId: app.id, environment: 'live', name: `s${i}`, value: `value-${i}-abcdef` }, CLI);
    const both = new SecretService({ store, keyring: new Keyring([fresh, old]), now: clock });
    expect(await both.reseal(CLI)).toEqual({ resealed: 3 });
    expect(await both.reseal(CLI)).toEqual({ resealed: 0 });
    const onlyNew = new SecretService({ store, keyring: new Keyring([fresh]), now: clock });
    expect(await onlyNew.reveal(app.id, 'live', 's2')).toBe('value-2-abcdef');
    await expect(v1.reveal(app.id, 'live', 's2')).rejects.toThrow();
    await kw.close();
  });

  it('refuses bad names and empty values with field pointers', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    await expect(kw.secrets.set({ appId: app.id, environment: 'live', name: 'Bad Name', value: 'x' }, CLI)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(kw.secrets.set({ appId: app.id, environment: 'live', name: 'ok', value: '' }, CLI)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await kw.close();
  });

  it('refuses, when set, a value that cannot travel in a header (CR, LF, NUL, controls, non-ASCII, edge spaces): VALIDATION_FAILED on /body/value', async () => {
    const api = await makeApi();
    const bad = ['sk-abc\r\nX-Injected: 1', 'sk-abc\ndef', 'sk-\u0000-nul', 'sk-\ttab', 'sk-\u007f-del', 'sk-\u0085-nel', 'sk-é-latin1', 'sk-🔑-emoji', ' sk-leading', 'sk-trailing '];
    for (const value of bad) {
      await expect(api.kw.secrets.set({ appId: api.appId, environment: 'live', name: 'openai', value }, CLI), JSON.stringify(value)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/value' }] });
      const put = await api.server.inject({ method: 'PUT', url: `/v1/apps/${api.appId}/secrets/live/openai`, headers: bearer(api.root), payload: { value } });
      expect(put.statusCode, JSON.stringify(value)).toBe(400);
      expect(put.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/value' }] });
    }
    expect(await api.kw.secrets.list(api.appId)).toHaveLength(0);
    // Any printable ASCII is fine, inner spaces and `$` included.
    const ok = await api.server.inject({ method: 'PUT', url: `/v1/apps/${api.appId}/secrets/live/openai`, headers: bearer(api.root), payload: { value: "sk $&-$'~!" } });
    expect(ok.statusCode).toBe(201);
    await api.server.close();
    await api.kw.close();
  });
});
