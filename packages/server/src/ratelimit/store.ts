import { gcra, spendQuota, type GcraDecision, type GcraLimit, type QuotaState, type Refill } from './gcra.js';

/**
 * One interface for every limiter backend. Each method applies the pure decision (gcra.ts)
 * atomically for its key: of concurrent calls none over-admits. A refusal is a value
 * (`allowed: false`); a throw means the store is broken — callers keep the two apart (the
 * gateway fails closed on auth, and on limits by config).
 *
 * Units: ms everywhere. Keys are opaque strings built by `limitKey()`.
 */
export interface RateLimitStore {
  consume(key: string, limit: GcraLimit, nowMs: number, cost: number): Promise<GcraDecision>;
  spend(key: string, quota: { readonly amount: number; readonly refill: Refill }, nowMs: number, cost: number): Promise<{ allowed: boolean; remaining: number; resetMs: number }>;
}

export function limitKey(kind: 'rate' | 'quota', name: string, scope: string, id: string): string {
  return `${kind}:${name}:${scope}:${id}`;
}

/** In-memory store: single-threaded JS makes each call atomic. Bounded, with expiry sweeps. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly tats = new Map<string, { tatMs: number; expiresAtMs: number }>();
  private readonly quotas = new Map<string, QuotaState & { expiresAtMs: number }>();
  private lastSweepMs = 0;

  constructor(private readonly maxKeys = 1_000_000) {}

  async consume(key: string, limit: GcraLimit, nowMs: number, cost: number): Promise<GcraDecision> {
    this.sweep(nowMs);
    const d = gcra(this.tats.get(key)?.tatMs, limit, nowMs, cost);
    if (d.allowed) {
      if (this.tats.size >= this.maxKeys && !this.tats.has(key)) this.evict(this.tats);
      this.tats.set(key, { tatMs: d.tatMs, expiresAtMs: d.tatMs });
    }
    return d;
  }

  async spend(key: string, quota: { amount: number; refill: Refill }, nowMs: number, cost: number): Promise<{ allowed: boolean; remaining: number; resetMs: number }> {
    const r = spendQuota(this.quotas.get(key), quota.amount, quota.refill, nowMs, cost);
    if (this.quotas.size >= this.maxKeys && !this.quotas.has(key)) this.evict(this.quotas);
    this.quotas.set(key, { ...r.state, expiresAtMs: nowMs + r.resetMs });
    return { allowed: r.allowed, remaining: r.remaining, resetMs: r.resetMs };
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 10_000) return;
    this.lastSweepMs = nowMs;
    for (const [k, v] of this.tats) if (v.expiresAtMs <= nowMs) this.tats.delete(k);
    for (const [k, v] of this.quotas) if (v.expiresAtMs <= nowMs) this.quotas.delete(k);
  }

  private evict(map: Map<string, unknown>): void {
    // Evicting the oldest limiter state can only forget a caller's debt (fail open on budget, never on auth).
    const first = map.keys().next();
    if (!first.done) map.delete(first.value);
  }
}
