import type { AuditDraft } from '../audit/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { LeakReport, LeakStatus } from './model.js';

/**
 * Leak reports. Every backend passes test/store/leak-store-conformance.ts.
 *
 * Rules every implementation MUST follow (the main Store's, store/types.ts, plus these):
 *  - (tokenHash, url) is unique, enforced by the store: a repeated report increments
 *    `reportCount` and moves `lastReportedAtMs` forward, and keeps the first outcome; of
 *    concurrent first reports exactly one row results.
 *  - The row and its audit record commit together; the audit record is written for the first
 *    report of a (token, URL) only (a repeat is counted, not audited again).
 *  - Only hashes are stored, never a token.
 *  - `closeLeak` is guarded: only an `open` report closes (of two operators at once, one wins),
 *    and its audit record commits with it. A repeat report of a closed one leaves it closed.
 */
export interface LeakStore {
  /** Inserts, or counts a repeat. `first` says which happened; the stored row is returned either way. */
  recordLeak(report: LeakReport, audit: AuditDraft): Promise<{ readonly first: boolean; readonly report: LeakReport }>;
  /** Newest first (last reported), optionally one app's, after the cursor `before` (a report id). */
  listLeaks(query: { readonly appId?: string; readonly status?: LeakStatus; readonly limit: number; readonly before?: string }): Promise<readonly LeakReport[]>;
  getLeak(id: string): Promise<LeakReport | undefined>;
  /** open → `status`; 'conflict' when it is not open, 'not_found' when unknown; audited only on 'ok'. */
  closeLeak(id: string, status: Exclude<LeakStatus, 'open'>, by: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
}
