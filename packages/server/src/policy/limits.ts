import type { Caller } from '../credentials/caller.js';
import type { CompiledAccessMap } from './evaluate.js';
import type { LimitScope, Resource } from './model.js';
import { rateLimitHeaders, retryAfter } from '../ratelimit/headers.js';
import { limitKey, type RateLimitStore } from '../ratelimit/store.js';

export type LimitOutcome =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly code: 'RATE_LIMITED' | 'USAGE_EXCEEDED'; readonly headers: Record<string, string> };

/** Whose budget a limit counts: the same buckets as the gateway, so one map means one thing. */
function bucketOf(by: LimitScope, caller: Caller, clientIp: string): string {
  switch (by) {
    case 'credential':
      return caller.id;
    case 'subject':
      return `${caller.appId}/${caller.subject ?? caller.id}`;
    case 'app':
      return caller.appId;
    default:
      return clientIp;
  }
}

/**
 * The access map's budgets for one allowed call, in the gateway's order and with its codes and
 * headers: every named rate limit (GCRA, one unit; `RATE_LIMITED` with `Retry-After` and the IETF
 * `RateLimit` headers), then the resource's quota by its `cost` (`USAGE_EXCEEDED`). Runs only
 * after the map allowed the call, so a denied call never spends budget. A throw means the limiter
 * store is broken (fail closed: the route does not run).
 */
export async function enforceLimits(compiled: CompiledAccessMap, resource: Resource, caller: Caller, clientIp: string, store: RateLimitStore, nowMs: number): Promise<LimitOutcome> {
  const results = [];
  for (const name of resource.rateLimits) {
    const spec = compiled.map.limits[name]!;
    const d = await store.consume(limitKey('rate', name, spec.by, bucketOf(spec.by, caller, clientIp)), { rate: spec.rate, windowMs: spec.windowSeconds * 1000, burst: spec.burst }, nowMs, 1);
    results.push({ name, quota: spec.rate, windowSeconds: spec.windowSeconds, remaining: d.remaining, resetMs: d.resetMs });
    if (!d.allowed) return { ok: false, code: 'RATE_LIMITED', headers: rateLimitHeaders(results, d.retryAfterMs) };
  }
  if (resource.quota && resource.cost > 0) {
    const q = compiled.map.quotas[resource.quota]!;
    const r = await store.spend(limitKey('quota', q.name, q.by, bucketOf(q.by, caller, clientIp)), q, nowMs, resource.cost);
    if (!r.allowed) return { ok: false, code: 'USAGE_EXCEEDED', headers: retryAfter(r.resetMs) };
  }
  return { ok: true, headers: rateLimitHeaders(results) };
}
