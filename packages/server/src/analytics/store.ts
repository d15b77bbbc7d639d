import type { Granularity, VerificationCount, VerificationQuery, VerificationTotal } from './model.js';
import type { KeyTotal } from './top-keys.js';

/**
 * Where verification analytics are kept. Every backend passes
 * packages/server/test/store/analytics-store-conformance.ts.
 *
 * Rules every implementation MUST follow:
 *  - `addVerifications` is additive and commutative (`count = count + n`): batches from many
 *    nodes, and a batch retried after a failure, may land in any order. It writes the minute, hour
 *    and day rows of every count in ONE transaction: all of them or none, so the granularities
 *    never disagree.
 *  - Counts are telemetry, not authority: not audited, and no foreign keys (a deleted app's or
 *    key's history simply ages out).
 *  - `pruneVerifications` deletes only rows of that granularity starting before the cutoff.
 *  - Times are milliseconds since the epoch; bucket starts are UTC boundaries.
 */
export interface AnalyticsStore {
  addVerifications(counts: readonly VerificationCount[]): Promise<void>;
  /** Totals per (bucket, code) over every row matching the filters, ordered by bucket then code. */
  queryVerifications(query: VerificationQuery): Promise<readonly VerificationTotal[]>;
  /**
   * The `limit` keys with the most verifications matching the query (its `keyId` filter is
   * ignored), most first, ties by key id; each with its VALID count and the key's display fields
   * (null when the key row is gone). ONE grouped, ordered, limited query: the store ranks, the
   * caller never fetches every key.
   */
  topKeys(query: VerificationQuery, limit: number): Promise<readonly KeyTotal[]>;
  /** Deletes rows of `granularity` whose bucket starts before `beforeMs`; returns how many. */
  pruneVerifications(granularity: Granularity, beforeMs: number): Promise<number>;
}
