import type { AuditDraft } from '../audit/model.js';
import type { Page, PageRequest, WriteOutcome } from '../store/types.js';
import type { AnomalyAction, AnomalyRule } from './model.js';

export type AnomalyStatus = 'open' | 'dismissed' | 'resolved';

/** A rule that fired, as kept in the store and shown by the API and the dashboard. */
export interface AnomalyRecord {
  /** `anm_…` */
  readonly id: string;
  readonly rule: AnomalyRule;
  readonly appId: string | null;
  /** A credential id, or an app id for failure bursts. */
  readonly entity: string;
  readonly credentialKind: string | null;
  readonly detectedAtMs: number;
  readonly detail: Readonly<Record<string, number | string>>;
  /** What was done when it fired (the app's setting for the rule at that moment) and whether it worked. */
  readonly action: AnomalyAction;
  readonly actionOutcome: 'done' | 'failed' | 'not_applicable';
  readonly status: AnomalyStatus;
  readonly closedAtMs: number | null;
  readonly closedBy: string | null;
}

export interface AnomalyFilter {
  readonly appId?: string;
  readonly status?: AnomalyStatus;
  readonly rule?: AnomalyRule;
}

/** One persisted baseline: the detector's state of one entity, as JSON. */
export interface StoredBaseline {
  readonly entity: string;
  readonly type: 'credential' | 'app';
  readonly state: string;
  readonly updatedAtMs: number;
}

/**
 * Persistence for anomaly detection. Every backend passes test/anomaly/anomaly-store-conformance.ts.
 *  - `record` and `close` write their audit record in the same transaction (nothing without it).
 *  - `close` is guarded: only an `open` anomaly closes, so of two operators dismissing at once one wins.
 *  - Baselines are upserted by entity; `loadBaselines` returns the newest `limit`, oldest first
 *    (so a detector restoring them in order keeps the most recent as most recently seen).
 */
export interface AnomalyStore {
  record(anomaly: AnomalyRecord, audit: AuditDraft): Promise<void>;
  get(id: string): Promise<AnomalyRecord | undefined>;
  list(filter: AnomalyFilter, page: PageRequest): Promise<Page<AnomalyRecord>>;
  close(id: string, status: Exclude<AnomalyStatus, 'open'>, by: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  saveBaselines(entries: readonly StoredBaseline[]): Promise<void>;
  loadBaselines(limit: number): Promise<readonly StoredBaseline[]>;
  pruneBaselines(olderThanMs: number): Promise<number>;
}
