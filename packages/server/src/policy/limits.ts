import type { Caller } from '../credentials/caller.js';
import type { CompiledAccessMap } from './evaluate.js';
import type { LimitScope, Resource } from './model.js';
import { periodEnd, periodStart, type GcraLimit, type Refill } from '../ratelimit/gcra.js';
import { rateLimitHeaders, type PolicyState } from '../ratelimit/headers.js';
import { limitKey, type LimitOp, type LimitOpResult, type RateLimitStore } from '../ratelimit/store.js';
import type { MaybePromise } from '../lib/maybe-promise.js';

export type LimitOutcome =
  | { readonly ok: true; readonly headers: Record<string, string>; readonly states: readonly PolicyState[] }
  | { readonly ok: false; readonly code: 'RATE_LIMITED' | 'USAGE_EXCEEDED'; readonly headers: Record<string, string>; readonly states: readonly PolicyState[] };

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
 * headers: every named rate limit (GCRA, one unit; `RATE_LIMITED`), then the resource's quota by
 * its `cost` (`USAGE_EXCEEDED`). Each is a policy of the IETF `RateLimit-Policy` / `RateLimit`
 * headers (ratelimit/headers.ts), listed on every answer, with `Retry-After` on a refusal. Runs only
 * after the map allowed the call, so a denied call never spends budget. A throw means the limiter
 * store is broken (fail closed: the route does not run).
 */
type LimitSpec = CompiledAccessMap['map']['limits'][string];
type QuotaSpec = CompiledAccessMap['map']['quotas'][string];

/** What a resource's budgets are, worked out once per resource of a loaded map rather than per call. */
interface LimitPlan {
  readonly compiled: CompiledAccessMap;
  readonly specs: readonly { readonly name: string; readonly spec: LimitSpec; readonly limit: GcraLimit; readonly keyPrefix: string }[];
  readonly quota: { readonly q: QuotaSpec; readonly keyPrefix: string } | undefined;
}

/** Per resource object of a compiled map (a reloaded map brings new resource objects, so new plans). */
const plans = new WeakMap<Resource, LimitPlan>();

function planOf(compiled: CompiledAccessMap, resource: Resource): LimitPlan {
  const known = plans.get(resource);
  if (known !== undefined && known.compiled === compiled) return known;
  const specs = resource.rateLimits.map((name) => {
    const spec = compiled.map.limits[name]!;
    // limitKey(kind, name, scope, id) with the id left off: the per-call bucket is appended.
    return { name, spec, limit: { rate: spec.rate, windowMs: spec.windowSeconds * 1000, burst: spec.burst }, keyPrefix: limitKey('rate', name, spec.by, '') };
  });
  const q = resource.quota && resource.cost > 0 ? compiled.map.quotas[resource.quota]! : undefined;
  const plan: LimitPlan = { compiled, specs, quota: q ? { q, keyPrefix: limitKey('quota', q.name, q.by, '') } : undefined };
  plans.set(resource, plan);
  return plan;
}

export function enforceLimits(compiled: CompiledAccessMap, resource: Resource, caller: Caller, clientIp: string, store: RateLimitStore, nowMs: number): MaybePromise<LimitOutcome> {
  // Every limit is decided first and spent only if all allow (one atomic consumeAll): a call
  // refused by a later limit spends nothing from the earlier ones.
  const plan = planOf(compiled, resource);
  const specs = plan.specs;
  const ops: LimitOp[] = [];
  for (const { spec, limit, keyPrefix } of specs) ops.push({ type: 'rate', key: keyPrefix + bucketOf(spec.by, caller, clientIp), limit, cost: 1 });
  const q = plan.quota?.q;
  if (q) ops.push({ type: 'quota', key: plan.quota!.keyPrefix + bucketOf(q.by, caller, clientIp), quota: q, cost: resource.cost });
  if (ops.length === 0) return { ok: true, headers: {}, states: [] };
  const decided = store.consumeAll(ops, nowMs);
  // Synchronous on a store that needed no I/O (lib/maybe-promise.ts).
  return decided instanceof Promise ? decided.then((d) => limitOutcome(plan, resource, d, nowMs)) : limitOutcome(plan, resource, decided, nowMs);
}

/** What the limiter decided, as the call's RateLimit policies (and its refusal code, if any). */
function limitOutcome(plan: LimitPlan, resource: Resource, decided: readonly LimitOpResult[], nowMs: number): LimitOutcome {
  const specs = plan.specs;
  const q = plan.quota?.q;
  // Every policy is reported, on a 200 and on a 429 alike; a refusal spent nothing anywhere, so
  // the policies that would have allowed it report what they had before it.
  const allowed = decided.every((r) => r.decision.allowed);
  const states: PolicyState[] = [];
  let code: 'RATE_LIMITED' | 'USAGE_EXCEEDED' | undefined;
  for (let i = 0; i < specs.length; i++) {
    const { name, spec } = specs[i]!;
    const d = (decided[i] as Extract<LimitOpResult, { type: 'rate' }>).decision;
    const intervalMs = (spec.windowSeconds * 1000) / spec.rate;
    if (!d.allowed) {
      code ??= 'RATE_LIMITED';
      states.push({ name, quota: spec.rate, windowSeconds: spec.windowSeconds, remaining: 0, resetMs: d.resetMs, nextMs: d.retryAfterMs, refused: true });
    } else if (!allowed) {
      states.push({ name, quota: spec.rate, windowSeconds: spec.windowSeconds, remaining: Math.min(spec.burst, d.remaining + 1), resetMs: Math.max(0, d.resetMs - intervalMs) });
    } else {
      // The last unit is gone: the next call passes once one interval's worth is back.
      const state: PolicyState = { name, quota: spec.rate, windowSeconds: spec.windowSeconds, remaining: d.remaining, resetMs: d.resetMs };
      states.push(d.remaining > 0 ? state : { ...state, nextMs: Math.max(0, d.resetMs - intervalMs * (spec.burst - 1)) });
    }
  }
  if (q) {
    const r = (decided[specs.length] as Extract<LimitOpResult, { type: 'quota' }>).decision;
    const windowSeconds = quotaWindowSeconds(q.refill, nowMs);
    if (!r.allowed) {
      code ??= 'USAGE_EXCEEDED';
      states.push({ name: q.name, quota: q.amount, windowSeconds, remaining: r.remaining, resetMs: r.resetMs, nextMs: r.resetMs, refused: true });
    } else if (!allowed) {
      states.push({ name: q.name, quota: q.amount, windowSeconds, remaining: r.remaining + resource.cost, resetMs: r.resetMs });
    } else {
      states.push(r.remaining > 0 ? { name: q.name, quota: q.amount, windowSeconds, remaining: r.remaining, resetMs: r.resetMs } : { name: q.name, quota: q.amount, windowSeconds, remaining: 0, resetMs: r.resetMs, nextMs: r.resetMs });
    }
  }
  const headers = rateLimitHeaders(states);
  return code === undefined ? { ok: true, headers, states } : { ok: false, code, headers, states };
}

/**
 * The resource's map policies with no state (for an answer refused before they were counted, so
 * `RateLimit-Policy` still lists the same policies as on any other answer).
 */
export function mapPolicies(compiled: CompiledAccessMap, resource: Resource, nowMs: number): PolicyState[] {
  const out: PolicyState[] = resource.rateLimits.map((name) => {
    const spec = compiled.map.limits[name]!;
    return { name, quota: spec.rate, windowSeconds: spec.windowSeconds };
  });
  const q = resource.quota && resource.cost > 0 ? compiled.map.quotas[resource.quota]! : undefined;
  if (q) out.push({ name: q.name, quota: q.amount, windowSeconds: quotaWindowSeconds(q.refill, nowMs) });
  return out;
}

/** A quota's `w`: its refill period in seconds (a calendar month's length for `monthly`). */
export function quotaWindowSeconds(refill: Refill, nowMs: number): number {
  const start = periodStart(refill, nowMs);
  return Math.round((periodEnd(refill, start) - start) / 1000);
}
