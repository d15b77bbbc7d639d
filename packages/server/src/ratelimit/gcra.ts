/**
 * GCRA (generic cell rate algorithm), pure. State is one number — the theoretical arrival time —
 * so a store can apply it atomically (a JS call in memory, one Lua script on Redis).
 *
 * A limit of `rate` requests per `windowMs` with `burst` lets `burst` requests through at once and
 * then one every `windowMs / rate`: a token bucket of size `burst` without a refill timer.
 */
export interface GcraLimit {
  readonly rate: number;
  readonly windowMs: number;
  readonly burst: number;
}

export interface GcraDecision {
  readonly allowed: boolean;
  /** New theoretical arrival time to store (unchanged when refused). */
  readonly tatMs: number;
  /** Requests that could still go through right now. */
  readonly remaining: number;
  /** ms until the bucket is full again. */
  readonly resetMs: number;
  /** ms until this request would be allowed (0 when allowed). */
  readonly retryAfterMs: number;
}

export function gcra(tatMs: number | undefined, limit: GcraLimit, nowMs: number, cost = 1): GcraDecision {
  const interval = limit.windowMs / limit.rate;
  const tolerance = interval * limit.burst;
  const tat = Math.max(tatMs ?? nowMs, nowMs);
  const newTat = tat + interval * cost;
  const allowAt = newTat - tolerance;
  if (nowMs < allowAt) {
    return { allowed: false, tatMs: tat, remaining: 0, resetMs: Math.ceil(tat - nowMs), retryAfterMs: Math.ceil(allowAt - nowMs) };
  }
  return {
    allowed: true,
    tatMs: newTat,
    remaining: Math.max(0, Math.floor((nowMs + tolerance - newTat) / interval)),
    resetMs: Math.ceil(newTat - nowMs),
    retryAfterMs: 0,
  };
}

/** Quotas (credits): `amount` per period, refilled in whole periods like Unkey's refill. Pure. */
export interface QuotaState {
  readonly remaining: number;
  /** Start of the period `remaining` belongs to. */
  readonly periodStartMs: number;
}

export type Refill = 'daily' | 'monthly' | { readonly intervalSeconds: number };

/** Start of the period containing `nowMs` (UTC calendar days and months). */
export function periodStart(refill: Refill, nowMs: number): number {
  const d = new Date(nowMs);
  if (refill === 'daily') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (refill === 'monthly') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const ms = refill.intervalSeconds * 1000;
  return Math.floor(nowMs / ms) * ms;
}

export function periodEnd(refill: Refill, startMs: number): number {
  const d = new Date(startMs);
  if (refill === 'daily') return startMs + 86_400_000;
  if (refill === 'monthly') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return startMs + refill.intervalSeconds * 1000;
}

export function spendQuota(state: QuotaState | undefined, amount: number, refill: Refill, nowMs: number, cost: number): { allowed: boolean; state: QuotaState; remaining: number; resetMs: number } {
  const start = periodStart(refill, nowMs);
  const current = state && state.periodStartMs === start ? state : { remaining: amount, periodStartMs: start };
  const resetMs = periodEnd(refill, start) - nowMs;
  if (current.remaining < cost) return { allowed: false, state: current, remaining: current.remaining, resetMs };
  const next = { remaining: current.remaining - cost, periodStartMs: start };
  return { allowed: true, state: next, remaining: next.remaining, resetMs };
}
