import type { Caller } from '../credentials/caller.js';
import type { CompiledAccessMap } from './evaluate.js';
import type { LimitScope, Resource } from './model.js';
import { rateLimitHeaders, retryAfter } from '../ratelimit/headers.js';
import { limitKey, type LimitOp, type LimitOpResult, type RateLimitStore } from '../ratelimit/store.js';

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
  // Every limit is decided first and spent only if all allow (one atomic consumeAll): a call
  // refused by a later limit spends nothing from the earlier ones.
  const ops: LimitOp[] = [];
  const specs = resource.rateLimits.map((name) => ({ name, spec: compiled.map.limits[name]! }));
  for (const { name, spec } of specs) ops.push({ type: 'rate', key: limitKey('rate', name, spec.by, bucketOf(spec.by, caller, clientIp)), limit: { rate: spec.rate, windowMs: spec.windowSeconds * 1000, burst: spec.burst }, cost: 1 });
  const q = resource.quota && resource.cost > 0 ? compiled.map.quotas[resource.quota]! : undefined;
  if (q) ops.push({ type: 'quota', key: limitKey('quota', q.name, q.by, bucketOf(q.by, caller, clientIp)), quota: q, cost: resource.cost });
  if (ops.length === 0) return { ok: true, headers: rateLimitHeaders([]) };
  const decided = await store.consumeAll(ops, nowMs);
  const results = [];
  for (let i = 0; i < specs.length; i++) {
    const d = (decided[i] as Extract<LimitOpResult, { type: 'rate' }>).decision;
    results.push({ name: specs[i]!.name, quota: specs[i]!.spec.rate, windowSeconds: specs[i]!.spec.windowSeconds, remaining: d.remaining, resetMs: d.resetMs });
    if (!d.allowed) return { ok: false, code: 'RATE_LIMITED', headers: rateLimitHeaders(results, d.retryAfterMs) };
  }
  if (q) {
    const r = (decided[specs.length] as Extract<LimitOpResult, { type: 'quota' }>).decision;
    if (!r.allowed) return { ok: false, code: 'USAGE_EXCEEDED', headers: retryAfter(r.resetMs) };
  }
  return { ok: true, headers: rateLimitHeaders(results) };
}
