/**
 * The usage overview's security and operations series (`GET /v1/analytics/events`, packages/server/
 * src/analytics/event-series.ts) turned into chart lines and table rows. Pure: no fetch, no DOM.
 * Like the verification answer it is sparse, so every chart is laid out bucket by bucket (slots).
 */
import { slots, type Aligned, type Granularity } from './chart-data.js';

type Counts = Readonly<Record<string, number>>;

export interface EventBucket {
  readonly start: string;
  readonly attestation: { readonly passed: number; readonly refused: number; readonly monitored: number; readonly refusedByCode: Counts; readonly monitoredByCode: Counts };
  readonly leaks: { readonly reported: number; readonly byStatus: Counts; readonly bySource: Counts };
  readonly anomalies: { readonly detected: number; readonly byRule: Counts };
  readonly webhooks: { readonly delivered: number; readonly failed: number; readonly pending: number };
}

export interface EventSeries {
  readonly granularity: Granularity;
  readonly from: string;
  readonly to: string;
  readonly buckets: readonly EventBucket[];
}

/** What the attestation chart calls monitor-only passes: the calls the requirement would have refused. */
export const WOULD_HAVE_BLOCKED = 'would have blocked (monitor-only)';

/** Lines with fixed labels, one value per bucket each, read from a bucket by `pick`. */
function fixed(a: EventSeries, labels: readonly string[], pick: (b: EventBucket) => readonly number[]): Aligned {
  const { xs, index } = slots(a);
  const series = labels.map((label) => ({ label, values: xs.map(() => 0) }));
  for (const b of a.buckets) {
    const i = index.get(Date.parse(b.start));
    if (i === undefined) continue;
    pick(b).forEach((v, s) => (series[s]!.values[i] = v));
  }
  return { xs, series };
}

/** One line per key that occurred in `counts` over the window (most frequent first), zeros elsewhere. */
function byKey(a: EventSeries, counts: (b: EventBucket) => Counts, order: readonly string[] = []): Aligned {
  const keys = totals(a, counts).map((t) => t.key);
  const labels = [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))];
  return fixed(a, labels, (b) => labels.map((k) => counts(b)[k] ?? 0));
}

/** Passed, refused, and what monitor-only mode let through, per bucket. */
export function attestationSeries(a: EventSeries): Aligned {
  return fixed(a, ['passed', 'refused', WOULD_HAVE_BLOCKED], (b) => [b.attestation.passed, b.attestation.refused, b.attestation.monitored]);
}

/** Leak reports first received per bucket, one line per status they have now. */
export function leakSeries(a: EventSeries): Aligned {
  return byKey(a, (b) => b.leaks.byStatus, ['open', 'resolved', 'dismissed']);
}

/** Anomalies per bucket, one line per rule that fired. */
export function anomalySeries(a: EventSeries): Aligned {
  return byKey(a, (b) => b.anomalies.byRule);
}

/** Webhook deliveries per bucket of their event, by status now. */
export function webhookSeries(a: EventSeries): Aligned {
  return fixed(a, ['delivered', 'failed', 'pending'], (b) => [b.webhooks.delivered, b.webhooks.failed, b.webhooks.pending]);
}

/** Window totals of one breakdown (a reason code, a source, …), most frequent first, then by name. */
export function totals(a: EventSeries, counts: (b: EventBucket) => Counts): { key: string; count: number }[] {
  const sum = new Map<string, number>();
  for (const b of a.buckets) for (const [k, n] of Object.entries(counts(b))) sum.set(k, (sum.get(k) ?? 0) + n);
  return [...sum].map(([key, count]) => ({ key, count })).sort((x, y) => y.count - x.count || x.key.localeCompare(y.key));
}
