import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { auditHash } from '../../src/audit/chain.js';
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
    ['a record whose hash was overwritten', `UPDATE audit_log SET hash = '${'a'.repeat(64)}' WHERE seq = 3`, 3, 'HASH_MISMATCH'],
  ])('detects %s', async (_name, statement, brokenAt, problem) => {
    const { kw, db } = await seeded();
    await sql.raw(statement).execute(db);
    expect(await verifyAuditChain(kw.store)).toMatchObject({ ok: false, brokenAtSeq: brokenAt, problem });
    await kw.close();
  });

  /** The real attack: edit a record AND recompute its own hash, so the record is self-consistent. */
  async function rehashedEdit(seq: number) {
    const { kw, db } = await seeded();
    const record = (await kw.store.listAudit({ afterSeq: seq - 1, limit: 1 }))[0]!;
    const forged = { ...record, actor: 'mallory' };
    const hash = auditHash(forged);
    await sql`UPDATE audit_log SET actor = 'mallory', hash = ${hash} WHERE seq = ${seq}`.execute(db);
    return { kw, hash };
  }

  it('detects a re-hashed edit in the middle through the next record’s prev-hash', async () => {
    const { kw, hash } = await rehashedEdit(3);
    const edited = (await kw.store.listAudit({ afterSeq: 2, limit: 1 }))[0]!;
    expect(edited).toMatchObject({ seq: 3, actor: 'mallory', hash });
    expect(auditHash(edited)).toBe(edited.hash); // the forged record is self-consistent
    expect(await verifyAuditChain(kw.store)).toEqual({ ok: false, records: 3, brokenAtSeq: 4, problem: 'PREV_MISMATCH' });
    await kw.close();
  });

  it('detects a re-hashed edit of the last record through the stored head hash', async () => {
    const { kw } = await rehashedEdit(4);
    expect(await verifyAuditChain(kw.store)).toEqual({ ok: false, records: 4, brokenAtSeq: 5, problem: 'HEAD_MISMATCH' });
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
