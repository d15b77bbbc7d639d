import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainVerifier, GENESIS_HASH, auditHash } from '../../src/audit/chain.js';
import type { AuditRecord } from '../../src/audit/model.js';
import { canonicalJson } from '../../src/lib/json.js';

/** A well-formed chain of `n` records, built in memory (the verifier is pure). */
function chain(n: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const draft = { seq, id: `aud_${seq}`, atMs: 1_000 * seq, actor: 'cli', action: 'key.create', target: `key_${seq}`, requestId: `req_${seq}`, data: { n: seq }, prevHash };
    const record = { ...draft, hash: auditHash(draft) };
    records.push(record);
    prevHash = record.hash;
  }
  return records;
}

describe('ChainVerifier', () => {
  it('accepts a well-formed chain and reports its length and head', () => {
    const records = chain(3);
    const verifier = new ChainVerifier();
    expect(records.map((r) => verifier.push(r))).toEqual([true, true, true]);
    expect(verifier.result()).toEqual({ ok: true, records: 3, headHash: records[2]!.hash });
  });

  it('an empty chain is the genesis head', () => {
    expect(new ChainVerifier().result()).toEqual({ ok: true, records: 0, headHash: GENESIS_HASH });
  });

  it('the first break is the one reported: push answers false from then on, and later records cannot overwrite it', () => {
    const records = chain(4);
    const verifier = new ChainVerifier();
    verifier.push(records[0]!);
    // seq 3 where 2 is expected: a deleted record.
    expect(verifier.push(records[2]!)).toBe(false);
    // A record that is valid in isolation does not resume the chain, nor move the reported break.
    expect(verifier.push(records[1]!)).toBe(false);
    expect(verifier.push(records[3]!)).toBe(false);
    expect(verifier.result()).toEqual({ ok: false, records: 1, brokenAtSeq: 3, problem: 'SEQ_GAP' });
  });

  it('a record that is not linked to its predecessor is PREV_MISMATCH, even when its own hash is right', () => {
    const [first, second] = chain(2);
    const relinked = { ...second!, prevHash: 'f'.repeat(64) };
    const forged = { ...relinked, hash: auditHash(relinked) };
    const verifier = new ChainVerifier();
    verifier.push(first!);
    expect(verifier.push(forged)).toBe(false);
    expect(verifier.result()).toEqual({ ok: false, records: 1, brokenAtSeq: 2, problem: 'PREV_MISMATCH' });
  });

  it('a break on the last record is still reported by push, so a streaming caller stops there', () => {
    const [first, second] = chain(2);
    const verifier = new ChainVerifier();
    verifier.push(first!);
    expect(verifier.push({ ...second!, actor: 'mallory' })).toBe(false);
    expect(verifier.result()).toEqual({ ok: false, records: 1, brokenAtSeq: 2, problem: 'HASH_MISMATCH' });
  });

  it.each([
    ['seq', { seq: 99 }],
    ['id', { id: 'aud_x' }],
    ['atMs', { atMs: 1 }],
    ['actor', { actor: 'mallory' }],
    ['action', { action: 'key.revoke' }],
    ['target', { target: 'key_x' }],
    ['requestId', { requestId: 'req_x' }],
    ['data', { data: { n: 2 } }],
    ['prevHash', { prevHash: 'e'.repeat(64) }],
  ])('the hash covers %s', (_field, change) => {
    const [record] = chain(1);
    expect(auditHash({ ...record!, ...change })).not.toBe(record!.hash);
  });

  it('the hash is sha256(prevHash, "\\n", canonical JSON of the fields), so a verifier in another language can recompute it', () => {
    const [record] = chain(1);
    const { hash: _hash, prevHash, ...fields } = record!;
    const expected = createHash('sha256').update(`${prevHash}\n${canonicalJson(fields)}`).digest('hex');
    expect(auditHash(record!)).toBe(expected);
  });
});
