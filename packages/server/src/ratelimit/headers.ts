/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` names
 * each policy with its quota `q` and window `w`; `RateLimit` gives the remaining `r` and seconds
 * to reset `t` of the most constraining one. A refusal adds `Retry-After` (seconds).
 */
export function rateLimitHeaders(
  results: ReadonlyArray<{ readonly name: string; readonly quota: number; readonly windowSeconds: number; readonly remaining: number; readonly resetMs: number }>,
  retryAfterMs?: number,
): Record<string, string> {
  if (results.length === 0) return {};
  const tightest = results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  const headers: Record<string, string> = {
    'ratelimit-policy': results.map((r) => `"${r.name}";q=${r.quota};w=${r.windowSeconds}`).join(', '),
    ratelimit: `"${tightest.name}";r=${tightest.remaining};t=${Math.ceil(tightest.resetMs / 1000)}`,
  };
  return retryAfterMs === undefined ? headers : { ...headers, ...retryAfter(retryAfterMs) };
}

/** `Retry-After` in whole seconds, at least 1 (RFC 9110 §10.2.3); none when there is nothing to wait for. */
export function retryAfter(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { 'retry-after': String(retryAfterSeconds(ms)) };
}

/** The whole seconds `Retry-After` (and the verify answer's `retryAfterSeconds`) name: rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
