import { isStoreUnavailable } from '../unavailable.js';
import { sql, type Kysely } from 'kysely';
import { auditHash } from '../../audit/chain.js';
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
