/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-10/-11), the one place they
 * are written (the gateway, the middlewares and the admin API all go through policy/limits.ts):
 *
 *  - `RateLimit-Policy` lists every quota policy of the resource as a String item with its quota
 *    `q` and window `w` (seconds): `"per-user";q=60;w=60, "monthly";q=10000;w=2678400`. The same
 *    list is sent on a 200 and on a 429, so a client learns the policies from any answer.
 *  - `RateLimit` gives, for the same policies, the remaining units `r` and `t`, the seconds until
 *    the client may rely on more: while units remain (`r` > 0), until the whole quota is back;
 *    once none remain or the policy refused the call, until the next call passes it.
 *  - A refusal adds `Retry-After` (RFC 9110 §10.2.3): the largest `t` among the refusing policies,
 *    so a client that honours either field waits long enough, and `Retry-After` is never earlier
 *    than a refusing policy's `t`.
 *
 * Named rate limits (GCRA) and quotas (credits per period, `q` counting credits, so a call of
 * cost 5 spends 5) are both policies, and so are the key's own budgets (credentials/budgets.ts):
 * `"kw:key"` (its rate limit), `"kw:identity"` (its identity's) and `"kw:credits"` (its credits;
 * no `w` for a one-off allowance that never refills). Their names hold a `:`, which no access-map
 * name may (policy/load.ts), so they can never be confused with the map's.
 *
 * A policy whose state was not read for this answer (a call refused before it was counted) is
 * listed in `RateLimit-Policy` only: the policy list is the same on every answer, and `RateLimit`
 * never reports a state nobody measured.
 */
export interface PolicyState {
  /** The policy's name in the access map. */
  readonly name: string;
  /** `q`: units per window. */
  readonly quota: number;
  /** `w`: the window, in seconds (none: units that never come back, a one-off allowance). */
  readonly windowSeconds?: number;
  /** `r`: units left after this call (or, on a refusal, left without it: a refused call spends nothing). Unset: not measured for this answer. */
  readonly remaining?: number;
  /** ms until the whole quota is available again (unset: never, or not measured). */
  readonly resetMs?: number;
  /** ms until the next call passes this policy; set when it refused this call or has no units left. */
  readonly nextMs?: number;
  /** This policy refused the call. */
  readonly refused?: boolean;
}

export function rateLimitHeaders(policies: readonly PolicyState[]): Record<string, string> {
  if (policies.length === 0) return {};
  let policy = '';
  let limit = '';
  let retry = 0;
  for (const p of policies) {
    const name = sfString(p.name);
    if (policy) policy += ', ';
    policy += p.windowSeconds === undefined ? `${name};q=${p.quota}` : `${name};q=${p.quota};w=${p.windowSeconds}`;
    if (p.remaining === undefined) continue;
    const t = p.nextMs !== undefined ? retryAfterSeconds(p.nextMs) : p.resetMs !== undefined ? Math.max(0, Math.ceil(p.resetMs / 1000)) : undefined;
    if (limit) limit += ', ';
    limit += t === undefined ? `${name};r=${Math.max(0, p.remaining)}` : `${name};r=${Math.max(0, p.remaining)};t=${t}`;
    if (p.refused && t !== undefined && t > retry) retry = t;
  }
  const headers: Record<string, string> = { 'ratelimit-policy': policy };
  if (limit) headers.ratelimit = limit;
  if (retry > 0) headers['retry-after'] = String(retry);
  return headers;
}

/** `Retry-After` in whole seconds, at least 1 (RFC 9110 §10.2.3); none when there is nothing to wait for. */
export function retryAfter(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { 'retry-after': String(retryAfterSeconds(ms)) };
}

/** The whole seconds `Retry-After` (and the verify answer's `retryAfterSeconds`) name: rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

const serialized = new Map<string, string>();

/**
 * A policy name as an RFC 9651 sf-string: `"` and `\` escaped, anything outside printable ASCII
 * replaced by `?` (a map key may be any YAML string; the header must still parse). Memoised:
 * the names are the access map's, a small fixed set.
 */
function sfString(name: string): string {
  let out = serialized.get(name);
  if (out === undefined) {
    out = `"${name.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')}"`;
    if (serialized.size < 1024) serialized.set(name, out);
  }
  return out;
}
