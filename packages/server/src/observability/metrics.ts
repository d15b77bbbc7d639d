import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. One registry per Keyward instance (tests run several in one process).
 * Denial reasons are labelled here precisely: metrics are for operators, unlike the caller-facing
 * codes which are deliberately coarse.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly verifications: Counter<'credential' | 'code' | 'reason'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly keysSeenInUrls: Counter;
  readonly auditWriteFailures: Counter;
  private readonly bound = new Map<string, Counter<'credential' | 'code' | 'reason'>['labels'] extends (...a: never[]) => infer R ? R : never>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
    this.verifications = new Counter({
      name: 'keyward_verifications_total',
      help: 'Credential verifications by credential type, public code and precise internal reason',
      labelNames: ['credential', 'code', 'reason'],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'keyward_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'keyward_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['route', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
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

  /** Hot path: label sets are bound once and reused. */
  verification(credential: string, code: string, reason: string): void {
    const id = `${credential}|${code}|${reason}`;
    let c = this.bound.get(id);
    if (!c) this.bound.set(id, (c = this.verifications.labels(credential, code, reason)));
    c.inc();
  }
}
