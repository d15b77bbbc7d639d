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
  /** Hot-path counts, keyed `credential|code|reason`, folded into the Prometheus counter at scrape time. */
  private readonly pendingVerifications = new Map<string, number>();
  private readonly pendingHttp = new Map<string, number>();
  private readonly pendingDurations = new Map<string, number[]>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
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
    this.httpDuration = new Histogram({
      name: 'keyward_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['route', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
      collect: () => this.foldDurations(),
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

  /** Hot path: a plain map increment; prom-client's label hashing happens only when scraped. */
  verification(credential: string, code: string, reason: string): void {
    const id = `${credential}|${code}|${reason}`;
    this.pendingVerifications.set(id, (this.pendingVerifications.get(id) ?? 0) + 1);
  }

  /** Hot path: plain counters and bucket arrays, folded into prom-client at scrape time. */
  httpRequest(route: string, method: string, status: number, elapsedMs: number): void {
    const id = `${route}|${method}|${status}`;
    this.pendingHttp.set(id, (this.pendingHttp.get(id) ?? 0) + 1);
    const did = `${route}|${method}`;
    let samples = this.pendingDurations.get(did);
    if (!samples) this.pendingDurations.set(did, (samples = []));
    samples.push(elapsedMs / 1000);
    // Fold into the histogram in batches: bounded memory without scrapes, and no sample dropped.
    if (samples.length >= 4096) this.foldDurations();
  }

  private foldHttp(): void {
    for (const [id, count] of this.pendingHttp) {
      const [route, method, status] = id.split('|') as [string, string, string];
      this.httpRequests.labels(route, method, status).inc(count);
    }
    this.pendingHttp.clear();
  }

  private foldDurations(): void {
    for (const [id, samples] of this.pendingDurations) {
      const [route, method] = id.split('|') as [string, string];
      const h = this.httpDuration.labels(route, method);
      for (const v of samples) h.observe(v);
    }
    this.pendingDurations.clear();
  }

  private foldVerifications(): void {
    for (const [id, count] of this.pendingVerifications) {
      const [credential, code, reason] = id.split('|') as [string, string, string];
      this.verifications.labels(credential, code, reason).inc(count);
    }
    this.pendingVerifications.clear();
  }
}
