import type { MaybePromise } from '../lib/maybe-promise.js';
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
  /**
   * Several limits for one call, all or nothing: every operation is decided against the current
   * state, and the spends are written only if every one allowed, in one atomic step. A refusal by
   * any limit therefore spends nothing from the others (policy/limits.ts).
   *
   * A store that decides without I/O (memory, SQLite when not busy) may answer synchronously
   * (lib/maybe-promise.ts); callers `await` the result or check for a promise.
   */
  consumeAll(ops: readonly LimitOp[], nowMs: number): MaybePromise<readonly LimitOpResult[]>;
}

/**
 * A store that implements `consumeAll` only: `consume` and `spend` are one-op calls of it, so
 * every backend decides single limits exactly as it decides combined ones.
 */
export abstract class ConsumeAllStore implements RateLimitStore {
  abstract consumeAll(ops: readonly LimitOp[], nowMs: number): MaybePromise<readonly LimitOpResult[]>;

  async consume(key: string, limit: GcraLimit, nowMs: number, cost: number): Promise<GcraDecision> {
    const [r] = await this.consumeAll([{ type: 'rate', key, limit, cost }], nowMs);
    return (r as Extract<LimitOpResult, { type: 'rate' }>).decision;
  }

  async spend(key: string, quota: { readonly amount: number; readonly refill: Refill }, nowMs: number, cost: number): Promise<{ allowed: boolean; remaining: number; resetMs: number }> {
    const [r] = await this.consumeAll([{ type: 'quota', key, quota, cost }], nowMs);
    return (r as Extract<LimitOpResult, { type: 'quota' }>).decision;
  }
}

export type LimitOp =
  | { readonly type: 'rate'; readonly key: string; readonly limit: GcraLimit; readonly cost: number }
  | { readonly type: 'quota'; readonly key: string; readonly quota: { readonly amount: number; readonly refill: Refill }; readonly cost: number };

export type LimitOpResult =
  | { readonly type: 'rate'; readonly decision: GcraDecision }
  | { readonly type: 'quota'; readonly decision: { readonly allowed: boolean; readonly remaining: number; readonly resetMs: number } };

export type LimitWrite = { readonly type: 'rate'; readonly key: string; readonly tatMs: number } | { readonly type: 'quota'; readonly key: string; readonly state: QuotaState; readonly expiresAtMs: number };

/**
 * The pure all-or-nothing decision behind `consumeAll`: each op sees the effect of the ops before
 * it (two ops on one key add up); `writes` is empty unless every op allowed. A refused quota
 * still writes nothing (its period rollover is recomputed on the next call anyway).
 */
export function decideAll(
  ops: readonly LimitOp[],
  nowMs: number,
  readTat: (key: string) => number | undefined,
  readQuota: (key: string) => QuotaState | undefined,
): { results: LimitOpResult[]; writes: LimitWrite[] } {
  // What earlier ops of this call did to a key; with one op (the usual call) there is nothing to carry.
  const tats = ops.length > 1 ? new Map<string, number | undefined>() : undefined;
  const quotas = ops.length > 1 ? new Map<string, QuotaState | undefined>() : undefined;
  const results: LimitOpResult[] = [];
  const writes: LimitWrite[] = [];
  let allAllowed = true;
  for (const op of ops) {
    if (op.type === 'rate') {
      const tat = tats?.has(op.key) ? tats.get(op.key) : readTat(op.key);
      const d = gcra(tat, op.limit, nowMs, op.cost);
      tats?.set(op.key, d.allowed ? d.tatMs : tat);
      if (d.allowed) writes.push({ type: 'rate', key: op.key, tatMs: d.tatMs });
      allAllowed &&= d.allowed;
      results.push({ type: 'rate', decision: d });
    } else {
      const state = quotas?.has(op.key) ? quotas.get(op.key) : readQuota(op.key);
      const r = spendQuota(state, op.quota.amount, op.quota.refill, nowMs, op.cost);
      quotas?.set(op.key, r.state);
      writes.push({ type: 'quota', key: op.key, state: r.state, expiresAtMs: nowMs + r.resetMs });
      allAllowed &&= r.allowed;
      results.push({ type: 'quota', decision: { allowed: r.allowed, remaining: r.remaining, resetMs: r.resetMs } });
    }
  }
  return { results, writes: allAllowed ? writes : [] };
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

  consumeAll(ops: readonly LimitOp[], nowMs: number): readonly LimitOpResult[] {
    this.sweep(nowMs);
    const { results, writes } = decideAll(ops, nowMs, (k) => this.tats.get(k)?.tatMs, (k) => this.quotas.get(k));
    for (const w of writes) {
      if (w.type === 'rate') {
        // A bucket already held is updated in place (Map order, and so eviction order, is unchanged either way).
        const held = this.tats.get(w.key);
        if (held !== undefined) {
          held.tatMs = w.tatMs;
          held.expiresAtMs = w.tatMs;
          continue;
        }
        if (this.tats.size >= this.maxKeys) this.evict(this.tats);
        this.tats.set(w.key, { tatMs: w.tatMs, expiresAtMs: w.tatMs });
      } else {
        if (this.quotas.size >= this.maxKeys && !this.quotas.has(w.key)) this.evict(this.quotas);
        this.quotas.set(w.key, { ...w.state, expiresAtMs: w.expiresAtMs });
      }
    }
    return results;
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
