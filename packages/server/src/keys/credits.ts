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
  | {
      readonly outcome: 'spent' | 'exhausted';
      /** The key's balance after the spend (its identity's when only the identity is metered). */
      readonly remaining: number;
      readonly resetAtMs: number | null;
      /** With a metered identity: the shared balance after the spend. */
      readonly identityRemaining?: number;
    }
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

/** A metered balance as read from the store. */
export interface MeteredBalance {
  readonly credits: KeyCredits;
  readonly balance: CreditBalance;
}

/**
 * One spend from a key and from its identity together (either may be unmetered, i.e. null): the
 * call is allowed only if both balances allow it, and then both pay `cost`; if either refuses,
 * neither pays (each still takes a refill that fell due). The store writes `key` and `identity`
 * in one atomic step, so a customer's keys share the identity's balance exactly. `resetAtMs` is
 * that of the balance that refused (the later one when both did), else the key's.
 */
export function spendTogether(
  key: MeteredBalance | null,
  identity: MeteredBalance | null,
  nowMs: number,
  cost: number,
): { readonly allowed: boolean; readonly key: CreditBalance | null; readonly identity: CreditBalance | null; readonly resetAtMs: number | null } {
  const k = key ? spendCredits(key.balance, key.credits, nowMs, cost) : null;
  const i = identity ? spendCredits(identity.balance, identity.credits, nowMs, cost) : null;
  const allowed = (k?.allowed ?? true) && (i?.allowed ?? true);
  if (allowed) return { allowed, key: k?.next ?? null, identity: i?.next ?? null, resetAtMs: k?.resetAtMs ?? i?.resetAtMs ?? null };
  const refusing = [k && !k.allowed ? k.resetAtMs : undefined, i && !i.allowed ? i.resetAtMs : undefined].filter((r) => r !== undefined);
  const resetAtMs = refusing.includes(null) ? null : Math.max(...(refusing as number[]));
  return {
    allowed,
    key: key ? spendCredits(key.balance, key.credits, nowMs, 0).next : null,
    identity: identity ? spendCredits(identity.balance, identity.credits, nowMs, 0).next : null,
    resetAtMs,
  };
}

export const CREDIT_LIMITS = { maxAmount: 1_000_000_000_000, minIntervalSeconds: 60, maxCostPerCall: 1_000_000 } as const;
