/** One request of a rate-limit run as the client saw it: sent, answered (ms, one clock), and the verdict. */
export interface Attempt {
  readonly sentMs: number;
  readonly answeredMs: number;
  readonly allowed: boolean;
}

/** A token bucket of `burst`, refilled one token per `intervalMs` (Keyward's GCRA, ratelimit/gcra.ts). */
export interface Bucket {
  readonly burst: number;
  readonly intervalMs: number;
}

export interface HistoryCheck {
  readonly attempts: number;
  readonly allowed: number;
  /** The least an exact limiter would have allowed: any fewer is a wrongful denial. */
  readonly exactMin: number;
  readonly overshoot: number;
  readonly wrongfulDenials: number;
}

/**
 * What an exact, single, linearisable limiter would have allowed for a recorded history: each
 * request reached it at some instant between its send and its answer, unknown to the client.
 *
 * Upper bound (overshoot): for every window [a, b] between one send and one later answer, the
 * requests allowed that surely arrived inside it (sent at or after a, answered by b) can be at
 * most `burst + floor((b - a) / interval)` — what a full bucket plus its refill during the window
 * yields. The largest excess over any window is the overshoot.
 *
 * Lower bound (wrongful denials): while every client keeps asking, an exact limiter allows the
 * whole bucket plus every token refilled between the first and the last arrival; arrivals spread
 * over at least `latest send - earliest answer`, so it allows at least `min(attempts, burst +
 * floor(that / interval))`. (A history with idle gaps could earn more: this bound only
 * under-counts, so it never calls a correct limiter wrong.)
 */
export function checkHistory(history: readonly Attempt[], bucket: Bucket): HistoryCheck {
  const allowed = history.filter((h) => h.allowed);
  let overshoot = 0;
  const starts = [...new Set(allowed.map((h) => h.sentMs))].sort((x, y) => x - y);
  const ends = [...new Set(allowed.map((h) => h.answeredMs))].sort((x, y) => x - y);
  for (const a of starts) {
    for (const b of ends) {
      if (b < a) continue;
      let inside = 0;
      for (const h of allowed) if (h.sentMs >= a && h.answeredMs <= b) inside++;
      const capacity = bucket.burst + Math.floor((b - a) / bucket.intervalMs);
      overshoot = Math.max(overshoot, inside - capacity);
    }
  }
  const latestSend = Math.max(...history.map((h) => h.sentMs));
  const earliestAnswer = Math.min(...history.map((h) => h.answeredMs));
  const exactMin = Math.min(history.length, bucket.burst + Math.floor(Math.max(0, latestSend - earliestAnswer) / bucket.intervalMs));
  return {
    attempts: history.length,
    allowed: allowed.length,
    exactMin,
    overshoot,
    wrongfulDenials: Math.max(0, exactMin - allowed.length),
  };
}
