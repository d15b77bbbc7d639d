import type { KeyCredits } from '../keys/credits.js';
import type { KeyRateLimit } from '../keys/model.js';
import { periodEnd, periodStart, type GcraDecision } from '../ratelimit/gcra.js';
import type { PolicyState } from '../ratelimit/headers.js';

/**
 * A key's own budgets as IETF RateLimit policies (ratelimit/headers.ts), beside the access map's:
 * its rate limit, its identity's (shared by every key of the identity) and its credits. The names
 * hold a `:`, which no access-map limit or quota name may, so they never collide with the map's.
 */
export const KEY_POLICY = 'kw:key';
export const IDENTITY_POLICY = 'kw:identity';
export const CREDITS_POLICY = 'kw:credits';

/** A GCRA limit consumed once for this call: the same state rules as the map's limits (policy/limits.ts). */
export function gcraPolicy(name: string, limit: KeyRateLimit, d: GcraDecision): PolicyState {
  if (!d.allowed) return { name, quota: limit.rate, windowSeconds: limit.windowSeconds, remaining: 0, resetMs: d.resetMs, nextMs: d.retryAfterMs, refused: true };
  const state: PolicyState = { name, quota: limit.rate, windowSeconds: limit.windowSeconds, remaining: d.remaining, resetMs: d.resetMs };
  // The last unit is gone: the next call passes once one interval's worth is back.
  const intervalMs = (limit.windowSeconds * 1000) / limit.rate;
  return d.remaining > 0 ? state : { ...state, nextMs: Math.max(0, d.resetMs - intervalMs * (limit.burst - 1)) };
}

/** A rate limit this answer did not count (a call refused before it): listed, with no state. */
export function ratePolicy(name: string, limit: KeyRateLimit): PolicyState {
  return { name, quota: limit.rate, windowSeconds: limit.windowSeconds };
}

/**
 * The key's credits: `q` the allowance, `w` its refill period (none for a one-off allowance), and,
 * once spent for this call, `r` the balance and `t` the wait for the next refill.
 */
export function creditsPolicy(credits: KeyCredits, nowMs: number, spent?: { readonly remaining: number; readonly resetAtMs: number | null; readonly refused: boolean }): PolicyState {
  const windowSeconds = credits.refill === null ? undefined : Math.round((periodEnd(credits.refill, periodStart(credits.refill, nowMs)) - periodStart(credits.refill, nowMs)) / 1000);
  const base: PolicyState = windowSeconds === undefined ? { name: CREDITS_POLICY, quota: credits.amount } : { name: CREDITS_POLICY, quota: credits.amount, windowSeconds };
  if (!spent) return base;
  const resetMs = spent.resetAtMs === null ? undefined : Math.max(0, spent.resetAtMs - nowMs);
  const measured: PolicyState = resetMs === undefined ? { ...base, remaining: spent.remaining } : { ...base, remaining: spent.remaining, resetMs };
  if (spent.refused) return resetMs === undefined ? { ...measured, refused: true } : { ...measured, nextMs: resetMs, refused: true };
  return spent.remaining > 0 || resetMs === undefined ? measured : { ...measured, nextMs: resetMs };
}
