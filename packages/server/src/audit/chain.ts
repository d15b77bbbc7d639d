import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/json.js';
import type { AuditRecord } from './model.js';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The chain link: hash(prevHash ‖ canonical(record without hash)). Editing, deleting, inserting
 * or reordering any record breaks every later link, so `keyward audit verify` detects it.
 */
export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  const body = canonicalJson({
    seq: record.seq,
    id: record.id,
    atMs: record.atMs,
    actor: record.actor,
    action: record.action,
    target: record.target,
    requestId: record.requestId,
    data: record.data,
  });
  return createHash('sha256').update(record.prevHash).update('\n').update(body).digest('hex');
}

export type ChainCheck =
  | { readonly ok: true; readonly records: number; readonly headHash: string }
  | { readonly ok: false; readonly records: number; readonly brokenAtSeq: number; readonly problem: 'HASH_MISMATCH' | 'PREV_MISMATCH' | 'SEQ_GAP' };

/** Incremental verifier so `audit verify` can stream millions of records in pages. */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private expectedSeq = 1;
  private count = 0;
  private failure: ChainCheck | undefined;

  push(record: AuditRecord): boolean {
    if (this.failure) return false;
    const fail = (problem: 'HASH_MISMATCH' | 'PREV_MISMATCH' | 'SEQ_GAP') => {
      this.failure = { ok: false, records: this.count, brokenAtSeq: record.seq, problem };
      return false;
    };
    if (record.seq !== this.expectedSeq) return fail('SEQ_GAP');
    if (record.prevHash !== this.prevHash) return fail('PREV_MISMATCH');
    if (auditHash(record) !== record.hash) return fail('HASH_MISMATCH');
    this.prevHash = record.hash;
    this.expectedSeq++;
    this.count++;
    return true;
  }

  result(): ChainCheck {
    return this.failure ?? { ok: true, records: this.count, headHash: this.prevHash };
  }
}
