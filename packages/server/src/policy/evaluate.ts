import type { DenyCode } from '../errors/catalogue.js';
import type { Caller } from '../credentials/caller.js';
import { missingScope } from '../keys/scopes.js';
import { bySpecificity, compilePattern, decodePath, matchPattern, type CompiledPattern } from './match.js';
import { SCOPED, SUBJECT_BOUND, type AccessMap, type Resource } from './model.js';
import { compareVersions } from './version.js';
import { decideAudience, expectedAudience } from './audience.js';

export interface PolicyRequest {
  readonly method: string;
  /** Raw path, no query. */
  readonly path: string;
  /** From `X-Keyward-App-Version`, when the app sent one. */
  readonly appVersion?: string;
  /**
   * The audience the enforcing server answers to (the gateway's `audience` option): the `aud` a
   * token must carry where neither the resource nor the map names one.
   */
  readonly audience?: string;
}

export type PolicyDecision =
  | { readonly allowed: true; readonly resource: Resource; readonly params: Readonly<Record<string, string>> }
  | { readonly allowed: false; readonly code: DenyCode; readonly reason: string; readonly resource?: Resource };

export interface Step {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A map with its routes compiled once, most specific first. Build it at start-up. */
export interface CompiledAccessMap {
  readonly map: AccessMap;
  readonly routes: ReadonlyArray<{ readonly pattern: CompiledPattern; readonly resource: Resource }>;
}

export function compileAccessMap(map: AccessMap): CompiledAccessMap {
  const routes = map.resources.map((resource) => ({ pattern: compilePattern(resource.path), resource })).sort((a, b) => bySpecificity(a.pattern, b.pattern));
  return { map, routes };
}

/**
 * The access decision, pure. Order:
 *  1. the path matches a resource and the method is listed (else ACCESS_DENIED: deny by default);
 *  2. the caller's environment is allowed;  3. its kind is in `allow` (KIND_NOT_ALLOWED), and a
 *     token's `aud` is the resource's audience (TOKEN_INVALID, see policy/audience.ts);
 *  4. required proofs: signature (SIGNATURE_REQUIRED), session, attestation (ATTESTATION_REQUIRED;
 *     `assertion` implies it, and the pipeline then checks the assertion itself);
 *  5. subject binding: the `subject` parameter equals the caller's subject (SUBJECT_MISMATCH);
 *  6. scopes, for scoped kinds (INSUFFICIENT_SCOPES);  7. minimum app version (UPGRADE_REQUIRED).
 * Rate limits and quotas come after, in the gateway, so a denied call never spends budget.
 */
export function evaluate(compiled: CompiledAccessMap, req: PolicyRequest, caller: Caller): PolicyDecision {
  // No step log: the gateway calls this per request, and the explanations are strings to build.
  return run(compiled, req, caller, undefined);
}

/** The same decision, with every check it made, for `keyward policy explain`. */
export function explain(compiled: CompiledAccessMap, req: PolicyRequest, caller: Caller): { decision: PolicyDecision; steps: Step[] } {
  const steps: Step[] = [];
  const decision = run(compiled, req, caller, steps);
  return { decision, steps };
}

/**
 * The path pattern of the resource a request would match (path, then method), or undefined: the
 * route label of a refused request's metrics. Off the allowed path's hot path (an allowed
 * decision already names its resource).
 */
export function routeFor(compiled: CompiledAccessMap, method: string, path: string): string | undefined {
  return resourceFor(compiled, method, path)?.path;
}

/** The resource a request would match (path, then method), whoever calls: off the allowed path's hot path. */
export function resourceFor(compiled: CompiledAccessMap, method: string, path: string): Resource | undefined {
  const segments = decodePath(path);
  if (!segments) return undefined;
  const m = method.toUpperCase();
  for (const route of compiled.routes) {
    if (!matchPattern(route.pattern, segments)) continue;
    const methods = route.resource.methods;
    if (methods === '*' || methods.includes(m) || (m === 'HEAD' && methods.includes('GET'))) return route.resource;
  }
  return undefined;
}

function refuse(steps: Step[] | undefined, code: DenyCode, reason: string, resource?: Resource): PolicyDecision {
  steps?.push({ check: reason, ok: false, detail: code });
  return resource ? { allowed: false, code, reason, resource } : { allowed: false, code, reason };
}

function run(compiled: CompiledAccessMap, req: PolicyRequest, caller: Caller, steps: Step[] | undefined): PolicyDecision {
  const segments = decodePath(req.path);
  if (!segments) return refuse(steps, 'ACCESS_DENIED', 'PATH_NOT_CANONICAL');
  let matched: { resource: Resource; params: Record<string, string> } | undefined;
  let pathMatched = false;
  const method = req.method.toUpperCase();
  for (const route of compiled.routes) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    pathMatched = true;
    const methods = route.resource.methods;
    if (methods === '*' || methods.includes(method) || (method === 'HEAD' && methods.includes('GET'))) {
      matched = { resource: route.resource, params };
      break;
    }
  }
  if (!matched) return refuse(steps, 'ACCESS_DENIED', pathMatched ? 'METHOD_NOT_LISTED' : 'NO_RESOURCE');
  return decideResource(compiled, matched.resource, matched.params, req, caller, steps);
}

/**
 * What `caller` may call in the map, resource by resource: each decided by the same checks as a
 * request (everything after the path match), for the caller's own subject where a resource binds
 * one. `GET /v1/keys/{keyId}/access` answers this.
 */
export function accessList(compiled: CompiledAccessMap, caller: Caller, req: Omit<PolicyRequest, 'method' | 'path'> = {}): Array<{ readonly resource: Resource; readonly decision: PolicyDecision; readonly steps: Step[] }> {
  return compiled.map.resources.map((r) => {
    const steps: Step[] = [];
    const params: Record<string, string> = r.subject !== undefined && caller.subject !== null ? { [r.subject]: caller.subject } : {};
    const method = r.methods === '*' ? 'GET' : r.methods[0]!;
    return { resource: r, decision: decideResource(compiled, r, params, { ...req, method, path: r.path }, caller, steps), steps };
  });
}

function decideResource(compiled: CompiledAccessMap, r: Resource, params: Readonly<Record<string, string>>, req: PolicyRequest, caller: Caller, steps: Step[] | undefined): PolicyDecision {
  steps?.push({ check: 'resource', ok: true, detail: `${r.name} (${r.path}, line ${r.line})` });

  if (r.environments && !r.environments.includes(caller.environment)) return refuse(steps, 'ACCESS_DENIED', 'ENVIRONMENT_NOT_ALLOWED', r);
  steps?.push({ check: 'environment', ok: true, detail: caller.environment });
  if (!r.allow.includes(caller.kind)) return refuse(steps, 'KIND_NOT_ALLOWED', `KIND_${caller.kind.toUpperCase()}_NOT_IN_ALLOW`, r);
  steps?.push({ check: 'kind', ok: true, detail: `${caller.kind} is allowed` });
  // App tokens are for Keyward itself (bound to app, environment and instance), never to one upstream service.
  if (caller.scheme === 'token' && caller.kind !== 'app-token') {
    const expected = expectedAudience(compiled.map, r, req.audience);
    const aud = decideAudience(caller, expected);
    if (!aud.ok) return refuse(steps, aud.code, aud.reason, r);
    steps?.push({ check: 'audience', ok: true, detail: expected! });
  }
  if (r.require.includes('signature') && !caller.signed) return refuse(steps, 'SIGNATURE_REQUIRED', 'SIGNATURE_REQUIRED', r);
  if (r.require.includes('session') && !caller.session) return refuse(steps, 'ACCESS_DENIED', 'SESSION_REQUIRED', r);
  if ((r.require.includes('attestation') || r.require.includes('assertion')) && !caller.attested) return refuse(steps, 'ATTESTATION_REQUIRED', 'ATTESTATION_REQUIRED', r);
  if (r.require.length) steps?.push({ check: 'require', ok: true, detail: r.require.join(', ') });

  if (r.subject !== undefined && (r.subjectForAll || SUBJECT_BOUND.has(caller.kind) || caller.subject !== null)) {
    if (caller.subject === null) return refuse(steps, 'SUBJECT_REQUIRED', 'NO_CALLER_SUBJECT', r);
    if (params[r.subject] !== caller.subject) return refuse(steps, 'SUBJECT_MISMATCH', `PARAM_${r.subject.toUpperCase()}_IS_NOT_CALLER`, r);
    steps?.push({ check: 'subject', ok: true, detail: `{${r.subject}} = ${caller.subject}` });
  }
  if (r.scopes.length && SCOPED.has(caller.kind)) {
    const missing = missingScope(caller.scopes, r.scopes);
    if (missing !== undefined) return refuse(steps, 'INSUFFICIENT_SCOPES', `MISSING_SCOPE_${missing}`, r);
    steps?.push({ check: 'scopes', ok: true, detail: r.scopes.join(' ') });
  }
  const min = r.minAppVersion[caller.environment];
  if (min !== undefined) {
    if (req.appVersion === undefined || compareVersions(req.appVersion, min) < 0) return refuse(steps, 'UPGRADE_REQUIRED', `APP_VERSION_BELOW_${min}`, r);
    steps?.push({ check: 'app version', ok: true, detail: `${req.appVersion} >= ${min}` });
  }
  return { allowed: true, resource: r, params };
}
