import type { AuditDraft } from '../audit/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { ConsoleSession } from './model.js';

/**
 * Dashboard sessions. Every backend passes test/console/console-store-conformance.ts.
 *  - `create` and `revoke` write their audit record in the same transaction.
 *  - `revoke` is guarded (only a live session), so signing out twice audits once.
 */
export interface ConsoleSessionStore {
  create(session: ConsoleSession, audit: AuditDraft): Promise<void>;
  get(idHash: string): Promise<ConsoleSession | undefined>;
  revoke(idHash: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /** Deletes sessions expired or revoked before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}
