import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../version.js';

/**
 * Prometheus metrics. One registry per Keyward instance (tests run several in one process).
 * Denial reasons are labelled here precisely: metrics are for operators, unlike the caller-facing
 * codes which are deliberately coarse.
 */
/** Seconds; the upper bounds of `keyward_http_request_duration_seconds`. */
const DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

/** One route and method's request counts by status and its duration histogram, kept as plain numbers. */
interface RouteStats {
  readonly route: string;
  readonly method: string;
  /** Requests by status since the last scrape (folded into the Prometheus counter then). */
  readonly pendingByStatus: Map<number, number>;
  /** Non-cumulative bucket counts; the last slot is +Inf. Never reset (a histogram only grows). */
  readonly buckets: Float64Array;
  sumSeconds: number;
  count: number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly verifications: Counter<'credential' | 'code' | 'reason'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly keysSeenInUrls: Counter;
  /** Anomalies detected, by rule, the action the app chose and its outcome (anomaly/service.ts). */
  readonly anomalies: Counter<'rule' | 'action' | 'outcome'>;
  readonly auditWriteFailures: Counter;
  /** 1 while a shared state (`limits`) runs on its per-node fallback because Redis is unavailable. */
  readonly sharedStateDegraded: Gauge<'state'>;
  /** Decisions taken by a per-node fallback instead of the shared store. */
  readonly sharedStateFallbacks: Counter<'state'>;
  /** Attestations by platform and code (VALID or the failure's own code). */
  readonly attestations: Counter<'platform' | 'code'>;
  /** Calls monitor-only mode let through, by route and the code enforcement would have answered. */
  readonly attestationMonitored: Counter<'route' | 'code'>;
  /** Attestation failures not kept as events because a window's cap was reached (attestation/events.ts). */
  readonly attestationEventsDropped: Counter<'stage'>;
  /** Hot-path counts by credential → code → reason, folded into the Prometheus counter at scrape time. */
  private readonly pendingVerifications = new Map<string, Map<string, Map<string, number>>>();
  /** By route → method. */
  private readonly routes = new Map<string, Map<string, RouteStats>>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
      // prom-client names three gauges `…_total`, which the exposition format reserves for
      // counters (promtool flags them). Their per-type siblings (`keyward_nodejs_active_handles`
      // etc.) carry the same information, so the misnamed sums go.
      for (const name of ['active_handles', 'active_requests', 'active_resources']) this.registry.removeSingleMetric(`keyward_nodejs_${name}_total`);
    }
    // build_info: the usual constant gauge, so dashboards can tell which version a node runs.
    new Gauge({ name: 'keyward_build_info', help: 'Keyward build: version and Node.js runtime (always 1)', labelNames: ['version', 'node'], registers: [this.registry] }).set({ version: VERSION, node: process.version }, 1);
    this.verifications = new Counter({
      name: 'keyward_verifications_total',
      help: 'Credential verifications by credential type, public code and precise internal reason',
      labelNames: ['credential', 'code', 'reason'],
      registers: [this.registry],
      collect: () => this.foldVerifications(),
    });
    this.httpRequests = new Counter({
      name: 'keyward_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
      collect: () => this.foldHttp(),
    });
    this.registry.registerMetric(this.durationMetric() as never);
    this.anomalies = new Counter({
      name: 'keyward_anomalies_total',
      help: 'Anomalies detected, by rule, configured action and action outcome',
      labelNames: ['rule', 'action', 'outcome'],
      registers: [this.registry],
    });
    this.keysSeenInUrls = new Counter({
      name: 'keyward_keys_seen_in_urls_total',
      help: 'Requests that carried a Keyward key in the URL query string',
      registers: [this.registry],
    });
    this.auditWriteFailures = new Counter({
      name: 'keyward_audit_write_failures_total',
      help: 'Audit records that could not be written (the mutation was refused)',
      registers: [this.registry],
    });
    this.sharedStateDegraded = new Gauge({
      name: 'keyward_shared_state_degraded',
      help: 'Whether a shared state (label state) runs on the per-node fallback because Redis is unavailable (1) or is shared (0)',
      labelNames: ['state'],
      registers: [this.registry],
    });
    this.sharedStateFallbacks = new Counter({
      name: 'keyward_shared_state_fallback_decisions_total',
      help: 'Decisions taken by the per-node fallback while Redis was unavailable, by shared state',
      labelNames: ['state'],
      registers: [this.registry],
    });
    this.attestations = new Counter({ name: 'keyward_attestation_total', help: 'App attestations by platform and code (VALID or the failure code)', labelNames: ['platform', 'code'], registers: [this.registry] });
    this.attestationMonitored = new Counter({
      name: 'keyward_attestation_monitored_total',
      help: 'Calls let through by monitor-only mode that enforcement would have refused, by route and code',
      labelNames: ['route', 'code'],
      registers: [this.registry],
    });
    this.attestationEventsDropped = new Counter({
      name: 'keyward_attestation_events_dropped_total',
      help: 'Attestation failures counted but not recorded as events: the per-minute cap of distinct events was reached on this node',
      labelNames: ['stage'],
      registers: [this.registry],
    });
  }

  /** A gauge read at scrape time, so the hot path never updates it. */
  observeCacheSize(size: () => number): void {
    new Gauge({
      name: 'keyward_key_cache_entries',
      help: 'Entries in the verification cache',
      registers: [this.registry],
      collect() {
        this.set(size());
      },
    });
  }

  /**
   * Hot path: three map lookups by the (interned) label values and an increment; no string is
   * built and prom-client's label hashing happens only when scraped.
   */
  verification(credential: string, code: string, reason: string): void {
    let byCode = this.pendingVerifications.get(credential);
    if (!byCode) this.pendingVerifications.set(credential, (byCode = new Map()));
    let byReason = byCode.get(code);
    if (!byReason) byCode.set(code, (byReason = new Map()));
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }

  /**
   * Hot path: the request counted by status and its duration put in its bucket, as plain numbers.
   * The duration histogram is served from these counts directly (see `durationMetric`), so no
   * sample is kept, none is dropped, and memory stays constant however long nobody scrapes.
   */
  httpRequest(route: string, method: string, status: number, elapsedMs: number): void {
    let byMethod = this.routes.get(route);
    if (!byMethod) this.routes.set(route, (byMethod = new Map()));
    let stats = byMethod.get(method);
    if (!stats) byMethod.set(method, (stats = { route, method, pendingByStatus: new Map(), buckets: new Float64Array(DURATION_BUCKETS_SECONDS.length + 1), sumSeconds: 0, count: 0 }));
    stats.pendingByStatus.set(status, (stats.pendingByStatus.get(status) ?? 0) + 1);
    const seconds = elapsedMs / 1000;
    let i = 0;
    while (i < DURATION_BUCKETS_SECONDS.length && seconds > DURATION_BUCKETS_SECONDS[i]!) i++;
    stats.buckets[i]!++;
    stats.sumSeconds += seconds;
    stats.count++;
  }

  private foldHttp(): void {
    for (const byMethod of this.routes.values()) {
      for (const stats of byMethod.values()) {
        for (const [status, count] of stats.pendingByStatus) this.httpRequests.labels(stats.route, stats.method, String(status)).inc(count);
        stats.pendingByStatus.clear();
      }
    }
  }

  private foldVerifications(): void {
    for (const [credential, byCode] of this.pendingVerifications) {
      for (const [code, byReason] of byCode) for (const [reason, count] of byReason) this.verifications.labels(credential, code, reason).inc(count);
    }
    this.pendingVerifications.clear();
  }

  /**
   * `keyward_http_request_duration_seconds` as a prom-client metric whose values are read from the
   * hot path's bucket counts at scrape time (cumulative `le` buckets, `_sum`, `_count`).
   */
  private durationMetric() {
    const name = 'keyward_http_request_duration_seconds';
    const help = 'HTTP request duration by route pattern';
    const metric = {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => {
        const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
        for (const byMethod of this.routes.values()) {
          for (const stats of byMethod.values()) {
            const labels = { route: stats.route, method: stats.method };
            let cumulative = 0;
            DURATION_BUCKETS_SECONDS.forEach((le, i) => {
              cumulative += stats.buckets[i]!;
              values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
            });
            values.push({ labels: { ...labels, le: '+Inf' }, value: stats.count, metricName: `${name}_bucket` });
            values.push({ labels, value: stats.sumSeconds, metricName: `${name}_sum` });
            values.push({ labels, value: stats.count, metricName: `${name}_count` });
          }
        }
        return { name, help, type: 'histogram', aggregator: 'sum', values };
      },
      reset: () => this.routes.clear(),
    };
    return metric;
  }
}
