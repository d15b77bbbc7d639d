import type { Mutable } from '../lib/mutable.js';
import type { Caller } from '../credentials/caller.js';
import { createPipeline, type PipelineOptions, type PipelineOutcome } from '../credentials/pipeline.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import type { Environment } from '../keys/model.js';
import type { Keyward } from '../keyward.js';
import { routeFor, type CompiledAccessMap } from '../policy/evaluate.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import type { ScrubSet } from './scrub.js';
import { SecretScrubCache } from './secret-scrub.js';
import type { GatewayDecision, GatewayPolicy, GatewayRequest } from './types.js';

export interface GatewayPolicyOptions {
  /** The services the gateway uses (not the whole container: it never reaches the store directly). */
  readonly kw: Pick<Keyward, 'credentials' | 'metrics' | 'now' | 'secrets' | 'tokens'> & Partial<Pick<Keyward, 'attestation'>>;
  readonly map: CompiledAccessMap;
  readonly limits: RateLimitStore;
  /** Only credentials of this app / environment pass (a gateway usually fronts one app). */
  readonly appId?: string;
  readonly environment?: Environment;
  /** The `aud` a token credential must carry where the access map names no audience (policy/audience.ts). */
  readonly audience?: string;
  /** `aud` of the identity token the upstream receives. */
  readonly identityAudience?: string;
  /** Lifetime of the identity token, seconds (default 60). */
  readonly identityTtlSeconds?: number;
  /** How long the values scrubbed from every route's response headers are kept before re-reading (default 10 000). */
  readonly secretScrubTtlMs?: number;
}

/**
 * The gateway's decision for one request: the shared pipeline (credentials/pipeline.ts: key in
 * URL → authenticate → access map → server-held secret (SECRET_NOT_SET when missing) → rate
 * limits → quota → credits), then what only the gateway does: inject that secret and the identity
 * headers. An allowed
 * decision carries the secret values the response must not echo (`scrub`, gateway/scrub.ts).
 * A refusal at any step is a value with a catalogue code; only a broken dependency throws (the
 * proxy then fails closed with 503).
 */
export function createGatewayPolicy(options: GatewayPolicyOptions): GatewayPolicy & { identityFor(caller: Caller): Promise<string> } {
  const { kw, map } = options;
  const identityCache = new Map<string, { token: string; untilMs: number }>();
  const lastByCredential = new Map<string, { caller: Caller; token: string; untilMs: number; headers?: Readonly<Record<string, string>> }>();
  const identityTtl = options.identityTtlSeconds ?? 60;
  const pipelineOptions: Mutable<PipelineOptions> = {
    verifiers: kw.credentials,
    where: 'gateway',
    accessMap: map,
    limits: options.limits,
    secrets: kw.secrets,
    now: kw.now,
    onDecision: (code, reason) => kw.metrics.verification('gateway', code, reason),
  };
  if (options.appId) pipelineOptions.appId = options.appId;
  if (options.environment) pipelineOptions.environment = options.environment;
  if (options.audience !== undefined) pipelineOptions.audience = options.audience;
  if (kw.attestation) pipelineOptions.attestation = kw.attestation.gate;
  const pipeline = createPipeline(pipelineOptions);
  const scrubCache = new SecretScrubCache(map, kw.secrets, options.secretScrubTtlMs);

  /** A short-lived JWT describing the verified caller, reused for half its life (signing per request would dominate). */
  async function identityFor(caller: Caller): Promise<string> {
    const now = kw.now();
    // Keyed by every field that goes into the token: a PATCH that removes a scope (or any other
    // change to the caller) must never be answered with a token minted before it.
    // NUL cannot occur in any of these (ids, header values, scopes), so the joined key is unambiguous;
    // a template string, not JSON.stringify, since this runs on every gateway request.
    // Fast path: the last identity minted for this credential id, compared field by field (no
    // key string to build and hash; most credentials act as one identity).
    const last = lastByCredential.get(caller.id);
    if (last !== undefined && last.untilMs > now && sameIdentity(last.caller, caller)) return last.token;
    const id = `${caller.scheme}\0${caller.kind}\0${caller.id}\0${caller.appId}\0${caller.environment}\0${caller.subject ?? '\u0001'}\0${caller.scopes.join('\0')}\0${caller.signed}${caller.session}${caller.attested}`;
    const hit = identityCache.get(id);
    if (hit && hit.untilMs > now) {
      rememberLast(caller, hit);
      return hit.token;
    }
    const minted = await kw.tokens.mint({
      appId: caller.appId,
      environment: caller.environment,
      subject: caller.subject ?? caller.id,
      scopes: caller.scopes.filter((s) => !s.includes('*')),
      audience: options.identityAudience ?? 'upstream',
      ttlSeconds: identityTtl,
      claims: { kw_kind: caller.kind, kw_credential: caller.id, kw_scheme: caller.scheme, kw_signed: caller.signed, kw_session: caller.session, kw_attested: caller.attested },
    });
    if (identityCache.size > 50_000) identityCache.clear();
    const entry = { token: minted.token, untilMs: now + (identityTtl * 1000) / 2 };
    identityCache.set(id, entry);
    rememberLast(caller, entry);
    return minted.token;
  }

  /**
   * The identity headers the upstream receives, made once per remembered identity (they are a
   * function of the same caller fields as the token, compared by `sameIdentity`), not rebuilt per
   * request. Shared and read-only: a route that injects a secret copies them. Synchronous while
   * the remembered token is fresh (lib/maybe-promise.ts).
   */
  function identityHeaders(caller: Caller): MaybePromise<Readonly<Record<string, string>>> {
    const last = lastByCredential.get(caller.id);
    if (last !== undefined && last.untilMs > kw.now() && sameIdentity(last.caller, caller)) return (last.headers ??= identityHeadersOf(last.caller, last.token));
    return identityFor(caller).then((token) => {
      const remembered = lastByCredential.get(caller.id);
      // identityFor has just remembered this caller with this token: keep its headers with it.
      if (remembered !== undefined && remembered.token === token && remembered.caller === caller) return (remembered.headers ??= identityHeadersOf(caller, token));
      return identityHeadersOf(caller, token);
    });
  }

  function rememberLast(caller: Caller, entry: { token: string; untilMs: number }): void {
    if (lastByCredential.size > 50_000) lastByCredential.clear();
    lastByCredential.set(caller.id, { caller, token: entry.token, untilMs: entry.untilMs });
  }

  /** The pipeline's outcome as the gateway's decision: a refusal with its route, or the headers to add. */
  function decided(req: GatewayRequest, outcome: PipelineOutcome): MaybePromise<GatewayDecision> {
    if (!outcome.allow) {
      const refused: Mutable<Extract<GatewayDecision, { allow: false }>> = { allow: false, code: outcome.code, responseHeaders: outcome.headers };
      if (outcome.detail !== undefined) refused.detail = outcome.detail;
      const route = routeFor(map, req.method, req.path);
      if (route !== undefined) refused.route = route;
      return refused;
    }
    const identity = identityHeaders(outcome.caller);
    return identity instanceof Promise ? identity.then((h) => allowed(outcome, h)) : allowed(outcome, identity);
  }

  function allowed(outcome: Extract<PipelineOutcome, { allow: true }>, identity: Readonly<Record<string, string>>): MaybePromise<GatewayDecision> {
    const { caller, resource, injected } = outcome;
    let upstreamHeaders = identity;
    const inject = resource?.injectSecret;
    const responseHeaders = outcome.responseHeaders;
    // The pipeline opened the secret before any credit was spent (SECRET_NOT_SET when missing).
    // Fail closed should that ever change: a route that injects is never forwarded without its secret.
    if (inject && injected === undefined) return { allow: false, code: 'SECRET_NOT_SET', responseHeaders };
    if (inject && injected !== undefined) {
      // split/join, not String.replace: a value holding `$&`, `$'` or `$\`` is injected verbatim.
      upstreamHeaders = { ...upstreamHeaders, [inject.header]: inject.format.split('{secret}').join(injected) };
    }
    const decision: Mutable<Extract<GatewayDecision, { allow: true }>> = { allow: true, upstreamHeaders, responseHeaders, credentialId: caller.id };
    if (resource !== undefined) {
      decision.route = resource.path;
      // The loader guarantees a resource's upstream is declared; a missing one would be a bug, and
      // the default upstream is never a silent stand-in for the service the map named.
      if (resource.upstream !== undefined) {
        const spec = map.map.upstreams[resource.upstream];
        if (spec === undefined) throw new Error(`resource ${resource.name} names undeclared upstream ${resource.upstream}`);
        decision.upstream = spec;
      }
    }
    if (!scrubCache.active) return decision;
    const scrub = scrubCache.get(caller.appId, caller.environment, kw.now());
    return scrub instanceof Promise ? scrub.then((s) => withScrub(decision, s, injected)) : withScrub(decision, scrub, injected);
  }

  return {
    identityFor,
    needsBody(req) {
      // A signature or an attestation assertion covers the body (its Content-Digest): read it first.
      return (req.headers['signature-input'] !== undefined || req.headers.signature !== undefined || req.headers['keyward-assertion'] !== undefined) && (req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined);
    },
    decide(req: GatewayRequest): MaybePromise<GatewayDecision> {
      const outcome = pipeline(req);
      return outcome instanceof Promise ? outcome.then((o) => decided(req, o)) : decided(req, outcome);
    },
  };
}

/** The secret values the response must not echo: every injected secret of the app, and this route's own value fresh. */
function withScrub(decision: Mutable<Extract<GatewayDecision, { allow: true }>>, scrub: ScrubSet, injected: string | undefined): GatewayDecision {
  if (injected !== undefined) {
    decision.scrub = SecretScrubCache.withValue(scrub, injected);
    decision.scrubBody = true;
  } else decision.scrub = scrub;
  return decision;
}

/** What the upstream is told of the verified caller, beside the identity token. */
function identityHeadersOf(caller: Caller, token: string): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {
    'x-keyward-identity': token,
    'x-keyward-app': caller.appId,
    'x-keyward-environment': caller.environment,
    'x-keyward-credential-kind': caller.kind,
    'x-keyward-credential-id': caller.id,
    'x-keyward-scopes': caller.scopes.join(' '),
    'x-keyward-signed': String(caller.signed),
  };
  if (caller.subject !== null) headers['x-keyward-subject'] = caller.subject;
  return headers;
}

/** Every field that goes into the identity token (the same fields as the cache key in identityFor). */
function sameIdentity(a: Caller, b: Caller): boolean {
  if (a.scheme !== b.scheme || a.kind !== b.kind || a.id !== b.id || a.appId !== b.appId || a.environment !== b.environment || a.subject !== b.subject) return false;
  if (a.signed !== b.signed || a.session !== b.session || a.attested !== b.attested) return false;
  const x = a.scopes;
  const y = b.scopes;
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
