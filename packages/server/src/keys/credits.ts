import { periodEnd, periodStart, type Refill } from '../ratelimit/gcra.js';

/**
 * Credits carried by a key (Unkey's `remaining` and `refill`): each verification spends `cost`
 * credits, and a key with none left is refused with USAGE_EXCEEDED. With a refill the balance goes
 * back to `amount` at the start of every period (UTC day, UTC month or a fixed interval); without
 * one `amount` is a one-off allowance.
 *
 * Unlike the access map's quotas (in the rate-limit store, per node unless Redis backs it), the
 * balance lives in the key's row and every spend is one atomic store operation, so a balance is
 * exact across processes and survives restarts.
 */
export interface KeyCredits {
  readonly amount: number;
  readonly refill: Refill | null;
}

/** The balance as stored. `periodStartMs` is null until the first spend of a refilled key. */
export interface CreditBalance {
  readonly remaining: number;
  readonly periodStartMs: number | null;
}

export type CreditSpend =
  | { readonly outcome: 'spent' | 'exhausted'; readonly remaining: number; readonly resetAtMs: number | null }
  | { readonly outcome: 'unmetered' }
  | { readonly outcome: 'not_found' };

/**
 * The pure decision for one spend: refill if a new period began, then take `cost` if there is
 * enough. A cost of 0 reads the balance without spending. `next` is what the store writes; it is
 * the same object as `balance` when nothing changed.
 */
export function spendCredits(balance: CreditBalance, credits: KeyCredits, nowMs: number, cost: number): { readonly allowed: boolean; readonly next: CreditBalance; readonly resetAtMs: number | null } {
  let current = balance;
  let resetAtMs: number | null = null;
  if (credits.refill) {
    const start = periodStart(credits.refill, nowMs);
    if (current.periodStartMs !== start) current = { remaining: credits.amount, periodStartMs: start };
    resetAtMs = periodEnd(credits.refill, start);
  }
  if (current.remaining < cost) return { allowed: false, next: current, resetAtMs };
  if (cost === 0) return { allowed: true, next: current, resetAtMs };
  return { allowed: true, next: { remaining: current.remaining - cost, periodStartMs: current.periodStartMs }, resetAtMs };
}

export const CREDIT_LIMITS = { maxAmount: 1_000_000_000_000, minIntervalSeconds: 60, maxCostPerCall: 1_000_000 } as const;
