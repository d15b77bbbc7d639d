import { ConsumeAllStore, MemoryRateLimitStore, type LimitOp, type LimitOpResult, type RateLimitStore } from '../ratelimit/store.js';

export interface FailoverOptions {
  /** The shared store (Redis). A throw from it means "broken", never "refused". */
  readonly shared: RateLimitStore;
  /** Whether the shared store's connection is up; while it is down no call is tried on it. */
  readonly available: () => boolean;
  /** Nodes sharing each limit: each enforces 1/nodes of it on its own while the shared store is away. */
  readonly nodes: number;
  /** Bounds the per-node fallback state (MemoryRateLimitStore). */
  readonly maxFallbackKeys?: number;
  /** After a failure, how long calls go to the fallback before the shared store is tried again (one probe at a time). */
  readonly retryAfterMs?: number;
  /** Called once per transition (not per request): `true` when degraded, `false` when shared again. */
  readonly onTransition: (degraded: boolean, cause?: unknown) => void;
  /** One call per decision taken by the fallback. */
  readonly onFallback: () => void;
  readonly now?: () => number;
}

/**
 * Rate limits that survive the shared store going away. Limits are budget, not authentication:
 * refusing every call while Redis is down would turn a Redis outage into an API outage, and
 * admitting every call would let one client take everything. So each node falls back to its
 * share of every limit (rate and burst, or quota amount, divided by `nodes`, kept in memory),
 * which keeps the deployment's total near the limit while it lasts. Nonces and single-use state
 * never fall back (they fail closed: state/redis/nonce-store.ts).
 *
 * Caveats (docs/operations.md): a quota's per-node share starts full at each outage, and
 * decisions made during the outage are not replayed into Redis afterwards.
 *
 * Recovery: the first call after `retryAfterMs` once the connection is back probes the shared
 * store; its success ends the degraded state (ioredis reconnects within 1 s, so shared limits
 * resume within about 2 s of Redis answering again).
 */
export class FailoverRateLimitStore extends ConsumeAllStore {
  private readonly fallback: MemoryRateLimitStore;
  private degraded = false;
  private retryAtMs = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: FailoverOptions) {
    super();
    this.fallback = new MemoryRateLimitStore(options.maxFallbackKeys ?? 100_000);
    this.now = options.now ?? Date.now;
  }

  get isDegraded(): boolean {
    return this.degraded;
  }


  async consumeAll(ops: readonly LimitOp[], nowMs: number): Promise<readonly LimitOpResult[]> {
    if (!this.shouldTryShared()) return this.local(ops, nowMs);
    const probe = this.degraded;
    if (probe) this.probing = true;
    try {
      const results = await this.options.shared.consumeAll(ops, nowMs);
      if (this.degraded) {
        this.degraded = false;
        this.options.onTransition(false);
      }
      return results;
    } catch (err) {
      this.retryAtMs = this.now() + (this.options.retryAfterMs ?? 500);
      if (!this.degraded) {
        this.degraded = true;
        this.options.onTransition(true, err);
      }
      return this.local(ops, nowMs);
    } finally {
      if (probe) this.probing = false;
    }
  }

  private shouldTryShared(): boolean {
    if (!this.degraded) return this.options.available() || this.markDown();
    return !this.probing && this.now() >= this.retryAtMs && this.options.available();
  }

  /** The connection is known down before any call failed: degrade without waiting for an error. */
  private markDown(): false {
    this.degraded = true;
    this.retryAtMs = this.now();
    this.options.onTransition(true);
    return false;
  }

  private local(ops: readonly LimitOp[], nowMs: number): readonly LimitOpResult[] {
    this.options.onFallback();
    return this.fallback.consumeAll(ops.map((op) => share(op, this.options.nodes)), nowMs);
  }
}

/** One node's share of a limit. A burst below 1 would refuse everything, so it stays at least 1. */
export function share(op: LimitOp, nodes: number): LimitOp {
  if (nodes <= 1) return op;
  if (op.type === 'rate') return { ...op, limit: { ...op.limit, rate: op.limit.rate / nodes, burst: Math.max(1, op.limit.burst / nodes) } };
  return { ...op, quota: { ...op.quota, amount: Math.max(1, Math.floor(op.quota.amount / nodes)) } };
}
