import { CATALOGUE, docsUrl, type Code, type DenyCode } from '../errors/catalogue.js';
import { authenticate, type AuthContext, type AuthRequest, type CredentialVerifiers } from '../credentials/authenticate.js';
import type { Caller } from '../credentials/caller.js';
import { keyInUrl } from '../credentials/extract.js';
import type { Environment } from '../keys/model.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Mutable } from '../lib/mutable.js';
import { CREDIT_LIMITS } from '../keys/credits.js';
import { evaluate, type CompiledAccessMap, type PolicyRequest } from '../policy/evaluate.js';
import type { Resource } from '../policy/model.js';
import { retryAfter } from '../ratelimit/headers.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../ratelimit/store.js';
import { enforceLimits } from '../policy/limits.js';

/**
 * The request as the guard sees it. `path` is the raw path the client sent, without the query
 * and including any mount prefix, so one access map means the same thing here and in the gateway.
 */
export type GuardRequest = AuthRequest & { readonly path: string };

/**
 * Your own access decision for an authenticated caller, run after the access map (if any) and
 * before any budget is spent. `cost` is what a metered key pays for the call when allowed
 * (default: the map resource's `cost`, else 1; 0 spends nothing).
 */
export type Authorizer = (
  caller: Caller,
  req: GuardRequest,
) => Promise<{ readonly allowed: true; readonly cost?: number; readonly responseHeaders?: Record<string, string> } | { readonly allowed: false; readonly code: DenyCode; readonly responseHeaders?: Record<string, string> }>;

export interface GuardOptions {
  readonly verifiers: CredentialVerifiers;
  /** Only credentials of this environment are accepted (default: either). */
  readonly environment?: Environment;
  /** Only credentials of this app are accepted. */
  readonly appId?: string;
  /** The access map (`compileAccessMap(loadAccessMap(file))`), enforced as the gateway does. Without one every authenticated caller passes to `authorize`. */
  readonly accessMap?: CompiledAccessMap;
  /** Where the map's rate limits and quotas are counted. Default: this process's memory (one node), like the gateway. */
  readonly limits?: RateLimitStore;
  readonly authorize?: Authorizer;
  /** Clock for the map's rate limits and quotas (default: the system clock). */
  readonly now?: Clock;
}

export type GuardOutcome =
  | { readonly ok: true; readonly caller: Caller; readonly responseHeaders: Record<string, string> }
  | { readonly ok: false; readonly status: number; readonly body: ProblemBody; readonly headers: Record<string, string> };

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: Code;
}

const APP_VERSION_HEADER = 'x-keyward-app-version';

/** RFC 9110 §11.6.1: a 401 names the scheme that would work. */
const challenge = (code: Code): Record<string, string> => (code === 'CREDENTIAL_MISSING' || code === 'INVALID_CREDENTIAL' ? { 'www-authenticate': 'Bearer' } : {});

/**
 * The framework-neutral core shared by the Fastify plugin, the Express middleware and the Hono
 * middleware: the same extraction, verification, caches, order and codes as the gateway
 * (gateway/policy.ts). Frameworks only translate their request into a {@link GuardRequest} and the
 * outcome into a response. Build it once per app, not per request.
 *
 * Order: key in URL → authenticate (a metered key's credits are NOT spent here) → access map →
 * `authorize` → the map's rate limits and quota → the key's credits, by the call's cost. Credits
 * come last for the reason the gateway spends them last: a call refused by the map, by your
 * authorizer or by a limit must not cost the caller anything.
 */
export function createGuard(options: GuardOptions): (req: GuardRequest) => Promise<GuardOutcome> {
  const { verifiers, accessMap, authorize } = options;
  const limits = options.limits ?? new MemoryRateLimitStore();
  const now = options.now ?? systemClock;
  // Built once: the gateway defers credits the same way (AuthContext.deferCredits).
  const context: Mutable<AuthContext> = { deferCredits: true };
  if (options.environment) context.environment = options.environment;
  if (options.appId) context.appId = options.appId;

  const refuse = (code: Code, headers: Record<string, string> = {}): GuardOutcome => {
    const spec = CATALOGUE[code];
    return { ok: false, status: spec.status, body: { type: docsUrl(code), title: spec.title, status: spec.status, code }, headers: { 'content-type': 'application/problem+json', 'x-keyward-code': code, ...headers } };
  };

  return async (req) => {
    if (keyInUrl(req.rawTarget).length > 0) return refuse('KEY_IN_URL');
    const auth = await authenticate(req, verifiers, context);
    if (!auth.valid) {
      return refuse(auth.code, { ...challenge(auth.code), ...retryAfter(auth.retryAfterMs) });
    }
    const caller = auth.caller;

    let resource: Resource | undefined;
    if (accessMap) {
      const call: Mutable<PolicyRequest> = { method: req.method, path: req.path };
      const version = req.headers[APP_VERSION_HEADER];
      if (typeof version === 'string') call.appVersion = version;
      const decision = evaluate(accessMap, call, caller);
      if (!decision.allowed) return refuse(decision.code);
      resource = decision.resource;
    }

    const headers: Record<string, string> = {};
    let cost = resource ? resource.cost : 1;
    if (authorize) {
      const decision = await authorize(caller, req);
      if (!decision.allowed) return refuse(decision.code, decision.responseHeaders);
      Object.assign(headers, decision.responseHeaders);
      if (decision.cost !== undefined) {
        // A negative cost would credit the key: developer misuse, not a refusal.
        if (!Number.isInteger(decision.cost) || decision.cost < 0 || decision.cost > CREDIT_LIMITS.maxCostPerCall) throw new TypeError(`authorize() returned cost ${decision.cost}: a whole number from 0 to ${CREDIT_LIMITS.maxCostPerCall}`);
        cost = decision.cost;
      }
    }

    if (accessMap && resource) {
      const limited = await enforceLimits(accessMap, resource, caller, req.clientIp, limits, now());
      if (!limited.ok) return refuse(limited.code, limited.headers);
      Object.assign(headers, limited.headers);
    }

    if (caller.meteredKey && cost > 0) {
      const spent = await verifiers.keys.spendDeferred(caller.id, cost);
      if (!spent.ok) return refuse(spent.code, { ...challenge(spent.code), ...retryAfter(spent.retryAfterMs) });
    }
    return { ok: true, caller, responseHeaders: headers };
  };
}
