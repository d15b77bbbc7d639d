import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Code } from '../errors/catalogue.js';
import type { ReloadOutcome } from './reload.js';

/** What the proxy reports about its requests (gateway/proxy.ts calls these; none of them may throw). */
export interface GatewayObserver {
  /** A client request arrived. */
  started(): void;
  /** It is over (answered, failed or abandoned): called once for every `started`. */
  ended(): void;
  /** Its outcome, once: `route` is the matched resource's path pattern, or undefined; `code` is set for refusals. */
  answered(route: string | undefined, status: number, code: Code | undefined): void;
  /** The upstream sent response headers `seconds` after the request was dispatched to it. */
  upstreamResponded(upstream: string, seconds: number): void;
}

/** Seconds; upper bounds of the upstream latency histogram (a proxied API call, not a cache hit). */
const UPSTREAM_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Label for requests refused before any resource was matched (framing, path, in-flight limits, no route). */
export const NO_ROUTE = 'none';

/**
 * The gateway's Prometheus metrics, on the process's registry (next to build_info and the
 * verification counters), served on the admin port only (gateway/admin.ts). Labels are bounded:
 * routes are the map's path patterns (never raw paths), codes come from the closed catalogue,
 * upstreams are the map's names.
 *
 * The per-request counts are plain numbers folded into the counters at scrape time, as in
 * observability/metrics.ts: prom-client's label hashing stays off the proxy's hot path.
 */
export class GatewayMetrics implements GatewayObserver {
  private inFlight = 0;
  /** route → outcome → count since the last scrape. */
  private readonly pending = new Map<string, Map<string, number>>();
  private readonly pendingRefusals = new Map<string, number>();
  private readonly upstreamChildren = new Map<string, { observe(v: number): void }>();
  private readonly requests: Counter<'route' | 'outcome'>;
  private readonly refusals: Counter<'code'>;
  private readonly upstreamSeconds: Histogram<'upstream'>;
  private readonly reloads: MapReloadCounter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'keyward_gateway_requests_total',
      help: 'Gateway requests by matched route pattern and outcome (FORWARDED, or the refusal code)',
      labelNames: ['route', 'outcome'],
      registers,
      collect: () => this.fold(),
    });
    this.refusals = new Counter({ name: 'keyward_gateway_refusals_total', help: 'Requests the gateway answered itself, by catalogue code', labelNames: ['code'], registers, collect: () => this.fold() });
    this.upstreamSeconds = new Histogram({ name: 'keyward_gateway_upstream_duration_seconds', help: 'Time from dispatching a request to the upstream until its response headers, by upstream', labelNames: ['upstream'], buckets: UPSTREAM_BUCKETS_SECONDS, registers });
    const inFlight = () => this.inFlight;
    new Gauge({
      name: 'keyward_gateway_in_flight_requests',
      help: 'Client requests the gateway is handling now',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    this.reloads = new MapReloadCounter(registry, 'keyward_gateway_map_reloads_total');
  }

  started(): void {
    this.inFlight++;
  }

  ended(): void {
    this.inFlight--;
  }

  answered(route: string | undefined, _status: number, code: Code | undefined): void {
    const r = route ?? NO_ROUTE;
    let byOutcome = this.pending.get(r);
    if (byOutcome === undefined) this.pending.set(r, (byOutcome = new Map()));
    const outcome = code ?? 'FORWARDED';
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    if (code !== undefined) this.pendingRefusals.set(code, (this.pendingRefusals.get(code) ?? 0) + 1);
  }

  upstreamResponded(upstream: string, seconds: number): void {
    let child = this.upstreamChildren.get(upstream);
    if (child === undefined) this.upstreamChildren.set(upstream, (child = this.upstreamSeconds.labels(upstream)));
    child.observe(seconds);
  }

  reloaded(result: ReloadOutcome): void {
    this.reloads.reloaded(result);
  }

  private fold(): void {
    for (const [route, byOutcome] of this.pending) for (const [outcome, n] of byOutcome) this.requests.labels(route, outcome).inc(n);
    this.pending.clear();
    for (const [code, n] of this.pendingRefusals) this.refusals.labels(code).inc(n);
    this.pendingRefusals.clear();
  }
}

/**
 * Access map reloads by outcome, for each process that reloads a map (the gateway, and
 * `keyward start --policy` as `keyward_api_map_reloads_total`). Every outcome's series exists from
 * the start, so an alert on refused reloads has a series to watch.
 */
export class MapReloadCounter {
  private readonly counter: Counter<'outcome'>;

  constructor(registry: Registry, name: string) {
    this.counter = new Counter({ name, help: 'Access map reloads by outcome (applied, unchanged, refused)', labelNames: ['outcome'], registers: [registry] });
    for (const outcome of ['applied', 'unchanged', 'refused']) this.counter.labels(outcome).inc(0);
  }

  reloaded(result: ReloadOutcome): void {
    this.counter.labels(result.outcome).inc();
  }
}
