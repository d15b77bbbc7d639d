import type { Granularity, VerificationQuery } from './model.js';

/**
 * Security and operations series per app over time, beside the verification analytics: attestation
 * outcomes, leak reports, anomalies and webhook deliveries, each counted per minute, hour or day
 * bucket (UTC) from the rows those features already keep. Nothing new is recorded on a request
 * path: the store groups and counts those rows in SQL, over the same bounded, bucket-aligned window
 * as `GET /v1/analytics/verifications` (analytics/query.ts).
 *
 * What each series counts, and at which time:
 *  - attestation `refused` / `monitored` ("would have blocked": monitor-only let the call through):
 *    occurrences (attestation/events.ts aggregates them per minute; an aggregate is counted in the
 *    bucket of its last occurrence), by catalogue code. `passed`: successful attestations, one app
 *    instance registered each (its creation time). Requests that carried a valid app token are not
 *    counted (they are the verification analytics' and the metrics' concern).
 *  - leaks: distinct reports (one per token and URL; repeats are not new reports) by the time first
 *    reported, split by their status now and by the partner's source.
 *  - anomalies: rules that fired, by detection time and rule.
 *  - webhooks: deliveries by the time their event was queued, by status now (`pending` includes
 *    retries not yet due). Finished deliveries are pruned after KEYWARD_WEBHOOK_DELIVERY_RETENTION_DAYS, so
 *    older buckets thin out then.
 */
export type EventSeriesQuery = Pick<VerificationQuery, 'granularity' | 'fromMs' | 'toMs' | 'appId'>;

/** What the store answers: one total per (bucket, dimension values), per family. */
export interface EventTotals {
  readonly attestation: readonly { readonly startMs: number; readonly outcome: 'passed' | 'refused' | 'monitored'; readonly code: string; readonly count: number }[];
  readonly leaks: readonly { readonly startMs: number; readonly status: string; readonly source: string; readonly count: number }[];
  readonly anomalies: readonly { readonly startMs: number; readonly rule: string; readonly count: number }[];
  readonly webhooks: readonly { readonly startMs: number; readonly status: string; readonly count: number }[];
}

/**
 * Where the series are counted. Every backend passes test/store/event-series-conformance.ts.
 *
 * Rules every implementation MUST follow:
 *  - Read-only, and bucketed in the database (GROUP BY the bucket start): never every row loaded.
 *  - A bucket start is the UTC boundary at or before the counted time; rows in [fromMs, toMs) only;
 *    `appId` set: that app's rows only (rows of no app are counted only when `appId` is absent).
 *  - Times are milliseconds since the epoch.
 */
export interface EventSeriesStore {
  countEvents(query: EventSeriesQuery): Promise<EventTotals>;
}

type Counts = Record<string, number>;

export interface EventBucket {
  readonly start: string;
  readonly attestation: { passed: number; refused: number; monitored: number; refusedByCode: Counts; monitoredByCode: Counts };
  readonly leaks: { reported: number; byStatus: Counts; bySource: Counts };
  readonly anomalies: { detected: number; byRule: Counts };
  readonly webhooks: { delivered: number; failed: number; pending: number };
}

/** The answer of `GET /v1/analytics/events`, as the API prints it (ISO times). */
export interface EventSeriesAnswer {
  readonly granularity: Granularity;
  readonly from: string;
  readonly to: string;
  /** Buckets with at least one count, oldest first (sparse, like the verification analytics). */
  readonly buckets: EventBucket[];
}

const add = (into: Counts, key: string, n: number): void => {
  into[key] = (into[key] ?? 0) + n;
};

/** Groups the store's totals into one bucket per start, every family present (zeros where none). Pure. */
export function eventSeriesAnswer(query: EventSeriesQuery, totals: EventTotals): EventSeriesAnswer {
  const byStart = new Map<number, EventBucket>();
  const at = (startMs: number): EventBucket => {
    let b = byStart.get(startMs);
    if (!b) {
      b = {
        start: new Date(startMs).toISOString(),
        attestation: { passed: 0, refused: 0, monitored: 0, refusedByCode: {}, monitoredByCode: {} },
        leaks: { reported: 0, byStatus: {}, bySource: {} },
        anomalies: { detected: 0, byRule: {} },
        webhooks: { delivered: 0, failed: 0, pending: 0 },
      };
      byStart.set(startMs, b);
    }
    return b;
  };
  for (const t of totals.attestation) {
    const a = at(t.startMs).attestation;
    if (t.outcome === 'passed') a.passed += t.count;
    else if (t.outcome === 'refused') {
      a.refused += t.count;
      add(a.refusedByCode, t.code, t.count);
    } else {
      a.monitored += t.count;
      add(a.monitoredByCode, t.code, t.count);
    }
  }
  for (const t of totals.leaks) {
    const l = at(t.startMs).leaks;
    l.reported += t.count;
    add(l.byStatus, t.status, t.count);
    add(l.bySource, t.source === '' ? 'unknown' : t.source, t.count);
  }
  for (const t of totals.anomalies) {
    const a = at(t.startMs).anomalies;
    a.detected += t.count;
    add(a.byRule, t.rule, t.count);
  }
  for (const t of totals.webhooks) {
    const w = at(t.startMs).webhooks;
    if (t.status === 'delivered' || t.status === 'failed' || t.status === 'pending') w[t.status] += t.count;
  }
  return {
    granularity: query.granularity,
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    buckets: [...byStart.entries()].sort((x, y) => x[0] - y[0]).map(([, b]) => b),
  };
}

/**
 * The series as the service container holds them: the store, and the writers whose pending rows a
 * query writes first (the attestation events recorder), so an operator sees what just happened on
 * this node; other nodes' rows arrive within their flush window.
 */
export class EventSeries {
  constructor(private readonly deps: { readonly store: EventSeriesStore; readonly flush?: () => Promise<void> }) {}

  async count(query: EventSeriesQuery): Promise<EventSeriesAnswer> {
    await this.deps.flush?.();
    return eventSeriesAnswer(query, await this.deps.store.countEvents(query));
  }
}
