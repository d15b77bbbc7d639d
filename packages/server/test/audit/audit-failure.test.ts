import { sql } from 'kysely';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Keyward } from '../../src/keyward.js';
import { CLI, makeApi } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Makes the audit insert fail for real, in SQLite itself, for the actions matched by `when`. */
async function breakAudit(kw: Keyward, when = '1'): Promise<void> {
  await sql.raw(`CREATE TRIGGER audit_fails BEFORE INSERT ON audit_log WHEN ${when} BEGIN SELECT RAISE(ABORT, 'audit disk full'); END`).execute(kw.store.db as never);
}

async function setup() {
  const api = await makeApi();
  await api.server.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await api.server.close();
    await api.kw.close();
  });
  const base = `http://127.0.0.1:${(api.server.server.address() as { port: number }).port}`;
  return { ...api, base };
}

const activeKeys = async (kw: Keyward, appId: string) => (await kw.keys.list({ appId }, { limit: 100 })).items.filter((k) => k.revokedAtMs === null).map((k) => k.id);

describe('a change whose audit record cannot be written is not made', () => {
  it('answers 503 AUDIT_UNAVAILABLE and leaves the key as it was', async () => {
    const s = await setup();
    const k = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'secret', name: 'before' }, CLI);
    await breakAudit(s.kw);
    const res = await request(`${s.base}/v1/keys/${k.key.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${s.root}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'after' }) });
    const body = (await res.body.json()) as { code: string };
    expect(res.statusCode).toBe(503);
    expect(body.code).toBe('AUDIT_UNAVAILABLE');
    expect((await s.kw.keys.get(k.key.id)).name).toBe('before');
    const created = await request(`${s.base}/v1/apps/${s.appId}/keys`, { method: 'POST', headers: { authorization: `Bearer ${s.root}`, 'content-type': 'application/json' }, body: JSON.stringify({ environment: 'live', kind: 'secret', name: 'new' }) });
    expect(created.statusCode).toBe(503);
    expect(((await created.body.json()) as { code: string }).code).toBe('AUDIT_UNAVAILABLE');
    expect(await activeKeys(s.kw, s.appId)).toEqual([k.key.id]);
  });
});

describe('reissue is one transaction', () => {
  it('a failure between the new key and the old key\'s revocation leaves the old key active and no new key', async () => {
    const s = await setup();
    const k = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'secret', name: 'leaked' }, CLI);
    // The new key and its audit record are written; the revocation's audit record fails.
    await breakAudit(s.kw, `NEW.action = 'key.revoke'`);
    const res = await request(`${s.base}/v1/keys/${k.key.id}/reissue`, { method: 'POST', headers: { authorization: `Bearer ${s.root}` } });
    expect(res.statusCode).toBe(503);
    expect(((await res.body.json()) as { code: string }).code).toBe('AUDIT_UNAVAILABLE');
    expect(await activeKeys(s.kw, s.appId)).toEqual([k.key.id]);
    expect((await s.kw.keys.list({ appId: s.appId, includeRevoked: true }, { limit: 100 })).items).toHaveLength(1);
    expect((await s.kw.verifier.verify(k.secret, {})).valid).toBe(true);
  });

  it('when it succeeds, the old key is revoked and the new one active, with both audit records', async () => {
    const s = await setup();
    const k = await s.kw.keys.create({ appId: s.appId, environment: 'live', kind: 'secret', name: 'leaked' }, CLI);
    const next = await s.kw.keys.reissue(k.key.id, CLI);
    expect(await activeKeys(s.kw, s.appId)).toEqual([next.key.id]);
    expect((await s.kw.verifier.verify(k.secret, {})).valid).toBe(false);
    const actions = (await s.kw.store.listAudit({ afterSeq: 0, limit: 100 })).map((a) => `${a.action} ${a.target}`);
    expect(actions).toEqual(expect.arrayContaining([`key.reissue ${next.key.id}`, `key.revoke ${k.key.id}`]));
  });
});
