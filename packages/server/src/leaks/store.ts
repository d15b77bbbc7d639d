import type { AuditDraft } from '../audit/model.js';
import type { LeakReport } from './model.js';

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
 */
export interface LeakStore {
  /** Inserts, or counts a repeat. `first` says which happened; the stored row is returned either way. */
  recordLeak(report: LeakReport, audit: AuditDraft): Promise<{ readonly first: boolean; readonly report: LeakReport }>;
  /** Newest first (last reported), optionally one app's, after the cursor `before` (a report id). */
  listLeaks(query: { readonly appId?: string; readonly limit: number; readonly before?: string }): Promise<readonly LeakReport[]>;
  getLeak(id: string): Promise<LeakReport | undefined>;
  /**
   * Marks an open report dismissed, with its audit record in the same transaction. MUST be one
   * guarded UPDATE (`dismissed_at_ms IS NULL`): of concurrent dismissals exactly one answers
   * `dismissed` and is audited; the others answer `already_dismissed`. A later repeat of the same
   * (token, URL) only counts and leaves it dismissed.
   */
  dismissLeak(id: string, nowMs: number, audit: AuditDraft): Promise<'dismissed' | 'already_dismissed' | 'not_found'>;
}
