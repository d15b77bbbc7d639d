import { isStoreUnavailable } from '../unavailable.js';
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { auditHash } from '../../audit/chain.js';
import { canonicalJson } from '../../lib/json.js';
import type { AuditDraft, AuditRecord } from '../../audit/model.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { newId } from '../../lib/ids.js';
import type { WriteOutcome } from '../types.js';
import { enqueueEventsIn } from './outbox.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * The one shape of every guarded write: an UPDATE whose WHERE carries its precondition (the
 * expected version, "not yet revoked"), then, only if it matched its row, the audit record, in the
 * caller's transaction. A miss is a value (`conflict` or `not_found`), never an exception, and
 * writes no audit record.
 */
export async function guardedWrite(
  trx: Db,
  result: { readonly numUpdatedRows: bigint },
  target: { readonly table: keyof Database; readonly id: string; readonly idColumn?: string },
  audit: AuditDraft | undefined,
  nowMs: number,
): Promise<WriteOutcome> {
  if (Number(result.numUpdatedRows) !== 1) return missOutcome(trx, target.table, target.id, target.idColumn);
  if (audit) await appendAuditIn(trx, audit, nowMs);
  return 'ok';
}

/**
 * After a guarded UPDATE matched no row: was the row missing, or did its version move on?
 * Read inside the same transaction, so the answer is about the state the UPDATE saw.
 */
export async function missOutcome(trx: Db, table: keyof Database, id: string, idColumn = 'id'): Promise<'conflict' | 'not_found'> {
  const row = await trx.selectFrom(table).select(sql<number>`1`.as('found')).where(sql.ref(idColumn), '=', id).executeTakeFirst();
  return row ? 'conflict' : 'not_found';
}

/**
 * Appends to the hash chain inside the caller's transaction, and queues the draft's webhook
 * events there too (outbox.ts), so a change's notifications are lost or kept with it. Claiming the head row first
 * serialises concurrent appenders (a row lock on PostgreSQL, the single writer on SQLite) so the
 * chain never forks.
 */
export async function appendAuditIn(trx: Db, draft: AuditDraft, nowMs: number): Promise<AuditRecord> {
  try {
    const record = await appendAuditRecord(trx, draft, nowMs);
    // The transactional outbox: the change's webhook events are queued here, in its transaction.
    if (draft.events?.length) await enqueueEventsIn(trx, draft.events, nowMs);
    return record;
  } catch (err) {
    // Thrown inside the change's transaction, so the change rolls back with it: the caller gets
    // 503 AUDIT_UNAVAILABLE ("not made"), never a 500 that leaves them guessing; when the whole
    // store is gone, the store's own code says so.
    if (isStoreUnavailable(err)) throw new KeywardError('STORE_UNAVAILABLE', 'the store did not answer; the change was not made', { cause: err });
    throw new KeywardError('AUDIT_UNAVAILABLE', undefined, { cause: err });
  }
}

async function appendAuditRecord(trx: Db, draft: AuditDraft, nowMs: number): Promise<AuditRecord> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) return appendAuditRecordPg(trx, draft, nowMs);
  // Claim the next sequence number first: the UPDATE takes the head row's lock (PostgreSQL) or
  // runs under the single writer (SQLite), so a concurrent appender waits here for this
  // transaction to end and then reads the head it left, never a stale one.
  const head = await trx.updateTable('audit_head').set({ seq: sql`seq + 1` }).where('id', '=', 1).returning(['seq', 'hash']).executeTakeFirstOrThrow();
  const seq = Number(head.seq);
  const base = {
    seq,
    id: newId('aud'),
    atMs: nowMs,
    actor: draft.actor,
    action: draft.action,
    target: draft.target,
    requestId: draft.requestId,
    data: draft.data ?? {},
    prevHash: head.hash,
  };
  const record: AuditRecord = { ...base, hash: auditHash(base) };
  await trx.updateTable('audit_head').set({ hash: record.hash }).where('id', '=', 1).execute();
  await trx
    .insertInto('audit_log')
    .values({
      seq,
      id: record.id,
      at_ms: record.atMs,
      actor: record.actor,
      action: record.action,
      target: record.target,
      request_id: record.requestId,
      data: JSON.stringify(record.data),
      prev_hash: record.prevHash,
      hash: record.hash,
    })
    .execute();
  return record;
}

/**
 * PostgreSQL: the whole append is ONE statement, because the head row's lock is held from the
 * first statement that takes it until the commit, and every client round trip inside that window
 * (the network, this process's event loop, the server's scheduling) is time in which every other
 * mutation of the deployment waits. Three statements made it three round trips plus the commit;
 * this makes it one plus the commit, about half the time under the lock (bench/RESULTS.md).
 *
 * The link is the same as {@link auditHash}: SHA-256(prevHash ‖ "\n" ‖ canonical body). The body is
 * canonical JSON with sorted keys, and `seq` (the one field only the locked head knows) sorts after
 * every key but `target`, so the body is `prefix ‖ seq ‖ suffix` with both parts made here; the
 * server joins them with the new sequence number and hashes (sha256, convert_to UTF-8) in the
 * UPDATE that takes the lock. `prev_hash` on the head keeps the previous link, so RETURNING gives
 * both. The record is then hashed again here with auditHash; should the two ever differ, the
 * append throws, and the change rolls back with it: a wrong link is never committed.
 */
async function appendAuditRecordPg(trx: Db, draft: AuditDraft, nowMs: number): Promise<AuditRecord> {
  const id = newId('aud');
  const data = draft.data ?? {};
  const before = canonicalJson({ id, atMs: nowMs, actor: draft.actor, action: draft.action, requestId: draft.requestId, data });
  const prefix = `${before.slice(0, -1)},"seq":`;
  const suffix = draft.target === undefined ? '}' : `,"target":${canonicalJson(draft.target)}}`;
  const row = await sql<{ seq: string | number; prev_hash: string; hash: string }>`
    WITH head AS (
      UPDATE audit_head
         SET prev_hash = hash,
             seq = seq + 1,
             hash = encode(sha256(convert_to(hash || ${'\n'}::text || ${prefix}::text || (seq + 1)::text || ${suffix}::text, 'UTF8')), 'hex')
       WHERE id = 1
   RETURNING seq, hash, prev_hash)
    INSERT INTO audit_log (seq, id, at_ms, actor, action, target, request_id, data, prev_hash, hash)
    SELECT seq, ${id}, ${nowMs}, ${draft.actor}, ${draft.action}, ${draft.target}, ${draft.requestId}, ${JSON.stringify(data)}, prev_hash, hash FROM head
    RETURNING seq, prev_hash, hash`.execute(trx);
  const r = row.rows[0];
  if (!r) throw new Error('audit_head row missing');
  const record: AuditRecord = { seq: Number(r.seq), id, atMs: nowMs, actor: draft.actor, action: draft.action, target: draft.target, requestId: draft.requestId, data, prevHash: r.prev_hash, hash: r.hash };
  if (auditHash(record) !== r.hash) throw new Error('the audit link the database computed differs from auditHash; nothing is committed');
  return record;
}
