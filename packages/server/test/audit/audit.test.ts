import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/service.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { CLI, makeKeyward } from '../helpers.js';

async function seeded() {
  const { kw } = await makeKeyward();
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
  await kw.keys.update(k.key.id, { name: 'renamed' }, CLI);
  await kw.keys.revoke(k.key.id, 'done', CLI);
  return { kw, db: (kw.store as SqlStore).db, app, k };
}

describe('tamper-evident audit log', () => {
  it('records every mutation with actor, action, target, time and request id', async () => {
    const { kw, k } = await seeded();
    const records = await kw.store.listAudit({ limit: 10 });
    expect(records.map((r) => r.action)).toEqual(['app.create', 'key.create', 'key.update', 'key.revoke']);
    expect(records[1]).toMatchObject({ actor: 'test', target: k.key.id, requestId: 'req_test' });
    expect(await verifyAuditChain(kw.store)).toMatchObject({ ok: true, records: 4 });
    await kw.close();
  });

  it.each([
    ['an edited field', `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`, 2, 'HASH_MISMATCH'],
    ['edited data', `UPDATE audit_log SET data = '{"reason":"nothing"}' WHERE seq = 4`, 4, 'HASH_MISMATCH'],
    ['a deleted record', `DELETE FROM audit_log WHERE seq = 2`, 3, 'SEQ_GAP'],
    ['a re-hashed edit', `UPDATE audit_log SET hash = '${'a'.repeat(64)}' WHERE seq = 3`, 3, 'HASH_MISMATCH'],
  ])('detects %s', async (_name, statement, brokenAt, problem) => {
    const { kw, db } = await seeded();
    await sql.raw(statement).execute(db);
    expect(await verifyAuditChain(kw.store)).toMatchObject({ ok: false, brokenAtSeq: brokenAt, problem });
    await kw.close();
  });

  it('detects a truncated tail through the stored head', async () => {
    const { kw, db } = await seeded();
    await sql.raw('DELETE FROM audit_log WHERE seq = 4').execute(db);
    expect(await verifyAuditChain(kw.store)).toMatchObject({ ok: false, problem: 'HEAD_MISMATCH' });
    await kw.close();
  });

  it('a mutation whose audit record cannot be written fails and changes nothing', async () => {
    const { kw, db, app } = await seeded();
    await sql.raw(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit device unavailable'); END`).execute(db);
    await expect(kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'x' }, CLI)).rejects.toThrow();
    const keys = await kw.keys.list({ appId: app.id, includeRevoked: true }, { limit: 10 });
    expect(keys.items).toHaveLength(1);
    await expect(kw.apps.update(app.id, { name: 'new name' }, CLI)).rejects.toThrow();
    expect((await kw.apps.get(app.id)).name).toBe('a');
    await sql.raw('DROP TRIGGER audit_down').execute(db);
    expect(await verifyAuditChain(kw.store)).toMatchObject({ ok: true, records: 4 });
    await kw.close();
  });
});
