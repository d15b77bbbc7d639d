import type { Code, DenyCode } from '../errors/catalogue.js';
import { CREDIT_LIMITS } from '../keys/credits.js';
import type { Environment } from '../keys/model.js';
import type { Clock } from '../lib/clock.js';
import type { Mutable } from '../lib/mutable.js';
import { evaluate, resourceFor, type CompiledAccessMap, type PolicyRequest } from '../policy/evaluate.js';
import { enforceLimits, mapPolicies, type LimitOutcome } from '../policy/limits.js';
import { CREDITS_POLICY, creditsPolicy } from './budgets.js';
import type { Resource } from '../policy/model.js';
import { rateLimitHeaders, retryAfter, type PolicyState } from '../ratelimit/headers.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import { authenticate, type AuthContext, type AuthRequest, type CredentialVerifiers } from './authenticate.js';
import type { Caller, CallerResult } from './caller.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { keysInTarget } from './extract.js';
import { observeAuthentication } from './observe.js';

/**
 * A request as the pipeline sees it. `path` is the raw path the client sent, without the query
 * and including any mount prefix, so one access map means the same thing in the gateway and in
 * every middleware. `requestId` ties audit records (a key seen in a URL) to the request.
 */
export type PipelineRequest = AuthRequest & { readonly path: string; readonly requestId: string };

/**
 * Your own access decision for an authenticated caller, run after the access map (if any) and
 * before any budget is spent. `cost` is what a metered key pays for the call when allowed
 * (default: the map resource's `cost`, else 1; 0 spends nothing).
 */
export type Authorizer = (
  caller: Caller,
  req: PipelineRequest,
) => Promise<{ readonly allowed: true; readonly cost?: number; readonly responseHeaders?: Record<string, string> } | { readonly allowed: false; readonly code: DenyCode; readonly responseHeaders?: Record<string, string> }>;

export interface PipelineOptions {
  readonly verifiers: CredentialVerifiers;
  /** Where a key seen in a URL was seen, for its audit record ("gateway", "middleware"). */
  readonly where: string;
  /** Only credentials of this app / environment pass. */
  readonly appId?: string;
  readonly environment?: Environment;
  /** Without a map, every authenticated caller passes (to `authorize`, if given). */
  readonly accessMap?: CompiledAccessMap;
  /** The `aud` a token must carry where the map names no audience (the gateway's `audience`). */
  readonly audience?: string;
  /** Where the map's rate limits and quotas are counted. */
  readonly limits: RateLimitStore;
  readonly authorize?: Authorizer;
  /**
   * Opens the server-held secret a resource injects (`injectSecret`; the gateway passes its
   * SecretService). Without it, `injectSecret` is ignored (the middlewares inject nothing).
   */
  readonly secrets?: { reveal(appId: string, environment: Environment, name: string): Promise<string | undefined> };
  readonly now: Clock;
  /**
   * App attestation on the request path (attestation/gate.ts): per-request assertions and
   * monitor-only mode. Without it a route that requires an assertion is refused (fail closed).
   */
  readonly attestation?: AttestationGate;
  /** Called once per access-map decision (metrics). */
  readonly onDecision?: (code: Code, reason: string) => void;
}

export type PipelineOutcome =
  | { readonly allow: true; readonly caller: Caller; readonly resource?: Resource; readonly responseHeaders: Record<string, string>; /** The opened `injectSecret` value. */ readonly injected?: string }
  | { readonly allow: false; readonly code: Code; readonly detail?: string; readonly headers: Record<string, string> };

/** What the pipeline needs of attestation; implemented by attestation/gate.ts. */
export interface AttestationGate {
  /** The app's monitor-only setting (record, do not block). */
  monitorOnly(appId: string, environment: Environment): Promise<boolean>;
  /** A refusal that monitor-only mode let through ("would have blocked"): metrics and analytics. */
  monitored(code: DenyCode, route: string, caller: Caller): void;
  /** An attestation or assertion refusal answered to the caller (recorded as an event). */
  refused?(code: DenyCode, reason: string, route: string, caller: Caller): void;
  verifyAssertion(caller: Caller, req: PipelineRequest): Promise<{ readonly ok: true } | { readonly ok: false; readonly code: DenyCode; readonly reason: string }>;
}

/** The refusals monitor-only mode records instead of answering. */
const MONITORABLE: ReadonlySet<Code> = new Set(['ATTESTATION_REQUIRED', 'ASSERTION_REQUIRED', 'ASSERTION_INVALID', 'ASSERTION_COUNTER_REPLAYED']);

const APP_VERSION_HEADER = 'x-keyward-app-version';

const NO_POLICIES: readonly PolicyState[] = [];

/** The RateLimit headers of every budget of a call, in their one order (own limits, the map's, credits). */
function budgetHeaders(own: readonly PolicyState[], map: readonly PolicyState[], credits: PolicyState | undefined): Record<string, string> {
  return rateLimitHeaders(credits === undefined ? [...own, ...map] : [...own, ...map, credits]);
}

const deny = (code: Code, headers: Record<string, string> = {}, detail?: string): PipelineOutcome => (detail === undefined ? { allow: false, code, headers } : { allow: false, code, headers, detail });

/**
 * The one authentication and authorization pipeline. The gateway and the Fastify, Express and
 * Hono middlewares are thin adapters over it (the admin API authenticates operators with the same
 * parser, verifier and key-in-URL refusal; see http/auth.ts). Build it once, not per request.
 *
 * Order, each step a value, never an exception (a throw means a broken dependency: fail closed):
 *  1. a key in the URL: refused, and every real key found is marked exposed and audited (and
 *     revoked when its app says so) before the answer;
 *  2. authenticate any scheme (a signature present is always checked; a metered key's credits are
 *     NOT spent here);
 *  3. the access map (deny by default), then the per-request assertion where the resource
 *     requires one; in monitor-only mode (the resource's `monitor`, or the app's setting) a missing
 *     attestation or a missing or failed assertion is recorded and the call goes on, decided by
 *     every other check as if it were attested;
 *  4. the server-held secret the resource injects (SECRET_NOT_SET when it was never set): a call
 *     that cannot be forwarded must not cost the caller anything either;
 *  5. `authorize`, the embedding app's own decision;
 *  6. the map's rate limits and quota (a later limit's refusal spends nothing from earlier ones);
 *  7. the key's credits, by the call's cost. Credits come last: a call refused by the map, the
 *     secret check, the authorizer or a limit must not cost the caller anything.
 */
export function createPipeline(options: PipelineOptions): (req: PipelineRequest) => MaybePromise<PipelineOutcome> {
  const { verifiers, accessMap, authorize, limits, now, onDecision, secrets, attestation } = options;
  // Built once, by assignment (per-request spreads are a measurable cost here).
  const context: Mutable<AuthContext> = { deferCredits: true };
  if (options.appId) context.appId = options.appId;
  if (options.environment) context.environment = options.environment;

  /*
   * The steps below run synchronously as long as none needs I/O (a cached key, the in-memory or
   * SQLite limiter, no secret, authorizer, assertion or credits): then a call allocates no promise
   * and waits no microtask turn (lib/maybe-promise.ts). Each step ends by calling the next; a step
   * that awaits continues in `then`. The clock is read once per synchronous stretch and passed on,
   * and read again after anything awaited.
   */

  /**
   * A key refused by its own (or its identity's) rate limit, before the map was reached: its
   * policies with their state, and the map's for the route with none (nothing of them was
   * counted), so the 429 lists the same policies as the 200.
   */
  const refusedByOwnLimit = (policies: readonly PolicyState[], req: PipelineRequest, nowMs: number): Record<string, string> => {
    const credits = policies.find((p) => p.name === CREDITS_POLICY);
    const own = policies.filter((p) => p.name !== CREDITS_POLICY);
    const resource = accessMap ? resourceFor(accessMap, req.method, req.path) : undefined;
    return budgetHeaders(own, resource ? mapPolicies(accessMap!, resource, nowMs) : NO_POLICIES, credits);
  };

  const monitors = async (r: Resource, caller: Caller): Promise<boolean> => attestation !== undefined && (r.monitor === true || (await attestation.monitorOnly(caller.appId, caller.environment)));

  /** 1. A key in the URL: flagged (exposed, audited, maybe revoked) before the refusal is answered. */
  const keyInUrl = async (inUrl: readonly string[], req: PipelineRequest): Promise<PipelineOutcome> => {
    await verifiers.reportKeysInUrl?.(inUrl, { where: options.where, requestId: req.requestId });
    return deny('KEY_IN_URL', {}, 'send keys in the Authorization or X-Api-Key header, never in a URL; this key is now marked exposed');
  };

  /** 2. The authentication's outcome, observed for anomaly detection, then the access map. */
  const authenticated = (req: PipelineRequest, auth: CallerResult): MaybePromise<PipelineOutcome> => {
    const nowMs = now();
    if (verifiers.observe) {
      const ua = req.headers['user-agent'];
      observeAuthentication(verifiers.observe, req.clientIp, typeof ua === 'string' ? ua : null, auth, options.appId ?? null, nowMs);
    }
    if (!auth.valid) return auth.policies ? deny(auth.code, refusedByOwnLimit(auth.policies, req, nowMs)) : deny(auth.code, retryAfter(auth.retryAfterMs));
    const call: Call = { req, caller: auth.caller, resource: undefined, injected: undefined, headers: {}, cost: 1 };
    return accessMap ? mapped(call, accessMap, nowMs) : withSecret(call, nowMs);
  };

  /** 3. The access map (deny by default); a missing attestation may be only monitored. */
  const mapped = (call: Call, map: CompiledAccessMap, nowMs: number): MaybePromise<PipelineOutcome> => {
    const { req, caller } = call;
    const request: Mutable<PolicyRequest> = { method: req.method, path: req.path };
    const version = req.headers[APP_VERSION_HEADER];
    if (typeof version === 'string') request.appVersion = version;
    if (options.audience !== undefined) request.audience = options.audience;
    const decision = evaluate(map, request, caller);
    onDecision?.(decision.allowed ? 'VALID' : decision.code, decision.allowed ? 'VALID' : decision.reason);
    if (decision.allowed) return asserted(call, decision.resource, nowMs);
    if (decision.code === 'ATTESTATION_REQUIRED' && decision.resource && attestation !== undefined) return unattested(call, map, request, decision.resource, decision.reason);
    return deny(decision.code);
  };

  /** 3, monitor-only: the missing attestation is recorded and the map decides as if the caller were attested. */
  const unattested = async (call: Call, map: CompiledAccessMap, request: PolicyRequest, resource: Resource, reason: string): Promise<PipelineOutcome> => {
    const { caller } = call;
    if (!(await monitors(resource, caller))) {
      attestation!.refused?.('ATTESTATION_REQUIRED', reason, resource.path, caller);
      return deny('ATTESTATION_REQUIRED');
    }
    attestation!.monitored('ATTESTATION_REQUIRED', resource.path, caller);
    const decision = evaluate(map, request, { ...caller, attested: true });
    if (!decision.allowed) {
      if (decision.code === 'ATTESTATION_REQUIRED' && decision.resource) attestation!.refused?.(decision.code, decision.reason, decision.resource.path, caller);
      return deny(decision.code);
    }
    return asserted(call, { ...decision.resource, require: decision.resource.require.filter((r) => r !== 'assertion') }, now());
  };

  /** 3, then: the per-request assertion where the resource requires one (monitor-only mode records a failure). */
  const asserted = (call: Call, resource: Resource, nowMs: number): MaybePromise<PipelineOutcome> => {
    call.resource = resource;
    call.cost = resource.cost;
    return resource.require.includes('assertion') ? assertion(call, resource) : withSecret(call, nowMs);
  };

  const assertion = async (call: Call, resource: Resource): Promise<PipelineOutcome> => {
    const { caller } = call;
    const checked = attestation ? await attestation.verifyAssertion(caller, call.req) : ({ ok: false, code: 'ASSERTION_REQUIRED', reason: 'NO_ATTESTATION_GATE' } as const);
    if (!checked.ok) {
      onDecision?.(checked.code, checked.reason);
      if (!MONITORABLE.has(checked.code) || !(await monitors(resource, caller))) {
        attestation?.refused?.(checked.code, checked.reason, resource.path, caller);
        return deny(checked.code);
      }
      attestation!.monitored(checked.code, resource.path, caller);
    }
    return withSecret(call, now());
  };

  /** 4. The server-held secret the resource injects: SECRET_NOT_SET, before anything is spent, when it was never set. */
  const withSecret = (call: Call, nowMs: number): MaybePromise<PipelineOutcome> => {
    const inject = call.resource?.injectSecret;
    if (!inject || !secrets) return authorized(call, nowMs);
    return secrets.reveal(call.caller.appId, call.caller.environment, inject.name).then((injected) => {
      if (injected === undefined) return deny('SECRET_NOT_SET', {}, 'a server-held secret this route needs is not set; an operator must set it');
      call.injected = injected;
      return authorized(call, now());
    });
  };

  /** 5. The embedding app's own decision, which may also set the call's cost. */
  const authorized = (call: Call, nowMs: number): MaybePromise<PipelineOutcome> => {
    if (!authorize) return budgets(call, nowMs);
    return authorize(call.caller, call.req).then((decision) => {
      if (!decision.allowed) return deny(decision.code, { ...decision.responseHeaders });
      Object.assign(call.headers, decision.responseHeaders);
      if (decision.cost !== undefined) {
        // A negative cost would credit the key: developer misuse, not a refusal.
        if (!Number.isInteger(decision.cost) || decision.cost < 0 || decision.cost > CREDIT_LIMITS.maxCostPerCall) throw new TypeError(`authorize() returned cost ${decision.cost}: a whole number from 0 to ${CREDIT_LIMITS.maxCostPerCall}`);
        call.cost = decision.cost;
      }
      return budgets(call, now());
    });
  };

  /**
   * 6. The map's rate limits and quota. Every budget is one RateLimit policy, listed on every
   * answer in one order: the key's own limits (already counted by the verification), the map's,
   * then the key's credits.
   */
  const budgets = (call: Call, nowMs: number): MaybePromise<PipelineOutcome> => {
    if (!accessMap || !call.resource) return credited(call, NO_POLICIES, nowMs);
    const limited = enforceLimits(accessMap, call.resource, call.caller, call.req.clientIp, limits, nowMs);
    return limited instanceof Promise ? limited.then((l) => limitsSpent(call, l, now())) : limitsSpent(call, limited, nowMs);
  };

  const limitsSpent = (call: Call, limited: LimitOutcome, nowMs: number): MaybePromise<PipelineOutcome> => {
    if (limited.ok) return credited(call, limited.states, nowMs);
    const { caller } = call;
    return deny(limited.code, budgetHeaders(caller.limitPolicies ?? NO_POLICIES, limited.states, caller.credits ? creditsPolicy(caller.credits, nowMs) : undefined), limited.code === 'RATE_LIMITED' ? 'rate limit' : 'quota');
  };

  /** 7. The key's credits, by the call's cost: last, so a call refused by anything before costs nothing. */
  const credited = (call: Call, mapStates: readonly PolicyState[], nowMs: number): MaybePromise<PipelineOutcome> => {
    const { caller } = call;
    const credits: PolicyState | undefined = caller.credits ? creditsPolicy(caller.credits, nowMs) : undefined;
    if (!caller.meteredKey || call.cost <= 0) return allowed(call, mapStates, credits);
    return verifiers.keys.spendDeferred(caller.id, call.cost).then((spent) => {
      const own = caller.limitPolicies ?? NO_POLICIES;
      let after = credits;
      if (caller.credits && spent.remaining !== undefined && spent.resetAtMs !== undefined) after = creditsPolicy(caller.credits, now(), { remaining: spent.remaining, resetAtMs: spent.resetAtMs, refused: !spent.ok });
      if (!spent.ok && spent.code !== 'USAGE_EXCEEDED') return deny(spent.code);
      if (!spent.ok) {
        const listed = own.length > 0 || mapStates.length > 0 || after !== undefined ? budgetHeaders(own, mapStates, after) : {};
        // Retry-After is never earlier than the refusing policy's t (ratelimit/headers.ts); without a listed policy, the wait alone.
        return deny(spent.code, listed['retry-after'] !== undefined ? listed : { ...listed, ...retryAfter(spent.retryAfterMs) }, 'the key has no credits left');
      }
      return allowed(call, mapStates, after);
    });
  };

  const allowed = (call: Call, mapStates: readonly PolicyState[], credits: PolicyState | undefined): PipelineOutcome => {
    const { caller, resource, injected, headers } = call;
    const own = caller.limitPolicies ?? NO_POLICIES;
    if (own.length > 0 || mapStates.length > 0 || credits !== undefined) Object.assign(headers, budgetHeaders(own, mapStates, credits));
    if (!resource) return { allow: true, caller, responseHeaders: headers };
    return injected === undefined ? { allow: true, caller, resource, responseHeaders: headers } : { allow: true, caller, resource, responseHeaders: headers, injected };
  };

  return (req) => {
    const inUrl = keysInTarget(req.rawTarget);
    if (inUrl.length > 0) return keyInUrl(inUrl, req);
    const auth = authenticate(req, verifiers, context);
    return auth instanceof Promise ? auth.then((a) => authenticated(req, a)) : authenticated(req, auth);
  };
}

/** One call's progress through steps 3–7: one object per request, filled in as the steps pass. */
interface Call {
  readonly req: PipelineRequest;
  readonly caller: Caller;
  /** The map's resource, once the map allowed the call (none without a map). */
  resource: Resource | undefined;
  /** The opened `injectSecret` value. */
  injected: string | undefined;
  /** The authorizer's response headers; the budgets' are added last. */
  readonly headers: Record<string, string>;
  /** What a metered key pays: the resource's cost (1 without a map), or the authorizer's. */
  cost: number;
}
