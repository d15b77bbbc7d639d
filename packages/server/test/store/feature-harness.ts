import type { AuditDraft, AuditRecord } from '../../src/audit/model.js';

/**
 * What a feature-store conformance suite needs from a backend: a fresh, migrated, empty store,
 * a way to create the app its rows belong to (feature tables reference `apps`), the audit trail
 * the store appended to, and a way to close it.
 */
export interface FeatureStoreHarness<S> {
  readonly store: S;
  /** Creates an app and returns its id. */
  readonly createApp: () => Promise<string>;
  /** Every audit record, in sequence order. */
  readonly audit: () => Promise<readonly AuditRecord[]>;
  readonly close: () => Promise<void>;
}

export type HarnessFactory<S> = () => Promise<FeatureStoreHarness<S>>;

/** Frozen start of time for every suite: no test reads the wall clock. */
export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const draft = (action: string, target: string, data?: Record<string, unknown>): AuditDraft => ({ actor: 'test', requestId: 'req_conf', action, target, ...(data ? { data } : {}) });

/** An audit record the store cannot write (a BigInt is not serialisable): the change must roll back. */
export const unwritable = (action: string, target: string): AuditDraft => ({ ...draft(action, target), data: { n: 1n } }) as unknown as AuditDraft;

/** Runs `n` copies of `f` at once and returns every outcome. */
export function race<T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => f(i)));
}

export const count = <T>(items: readonly T[], value: T): number => items.filter((x) => x === value).length;
