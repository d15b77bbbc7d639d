/**
 * The retry schedule: the one the Standard Webhooks specification gives as an example ("Retry
 * schedule": immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), so 8 attempts over about
 * 28 hours, then the delivery is `failed`. Each wait is jittered by ±20 % so that many deliveries
 * failing together (a receiver outage) do not all retry in the same second. Pure: the random
 * source is a parameter, so tests fix it.
 */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const JITTER = 0.2;

/**
 * When to try again after `attemptsMade` failed attempts (1 after the first), or `undefined`
 * when none is left. `random` returns [0, 1).
 */
export function nextAttemptAt(attemptsMade: number, nowMs: number, random: () => number = Math.random, delays: readonly number[] = RETRY_DELAYS_MS): number | undefined {
  const base = delays[attemptsMade - 1];
  if (base === undefined) return undefined;
  const factor = 1 - JITTER + 2 * JITTER * random();
  return nowMs + Math.round(base * factor);
}

/** A receiver answer that counts as delivered: any 2xx (the spec). Everything else is retried. */
export function isDelivered(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}
