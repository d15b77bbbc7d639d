import type { Store } from '../store/types.js';
import type { AuditRecord } from './model.js';
import { ChainVerifier, type ChainCheck } from './chain.js';

export type AuditVerification =
  | ChainCheck
  | { readonly ok: false; readonly records: number; readonly brokenAtSeq: number; readonly problem: 'HEAD_MISMATCH' };

/**
 * Walks the whole chain page by page and compares its end with the stored head, which catches
 * edits, deletions and reordering anywhere, and truncation of the tail.
 */
export async function verifyAuditChain(
  store: Pick<Store, 'listAudit' | 'auditHead'>,
  options: { pageSize?: number; onProgress?: (checked: number, total: number) => void } = {},
): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 5000;
  const head = await store.auditHead();
  const verifier = new ChainVerifier();
  let afterSeq = 0;
  let checked = 0;
  for (;;) {
    const page = await store.listAudit({ afterSeq, limit: pageSize });
    if (page.length === 0) break;
    for (const record of page) {
      if (!verifier.push(record)) return verifier.result();
      checked++;
    }
    afterSeq = page[page.length - 1]!.seq;
    options.onProgress?.(checked, head.seq);
  }
  const result = verifier.result();
  if (result.ok && (result.records !== head.seq || result.headHash !== head.hash)) {
    return { ok: false, records: result.records, brokenAtSeq: result.records + 1, problem: 'HEAD_MISMATCH' };
  }
  return result;
}

/** The audit log as routes and the CLI see it: pages, the head, and the chain check. Read-only: records are written only with the change they describe. */
export interface AuditLog {
  list(query: { readonly afterSeq?: number; readonly limit: number; readonly target?: string }): Promise<readonly AuditRecord[]>;
  head(): Promise<{ readonly seq: number; readonly hash: string }>;
  verify(options?: { pageSize?: number; onProgress?: (checked: number, total: number) => void }): Promise<AuditVerification>;
}

export function auditLog(store: Pick<Store, 'listAudit' | 'auditHead'>): AuditLog {
  return {
    list: (query) => store.listAudit(query),
    head: () => store.auditHead(),
    verify: (options) => verifyAuditChain(store, options),
  };
}
