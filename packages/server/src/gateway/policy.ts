import type { AuthContext, AuthRequest } from '../credentials/authenticate.js';
import type { Mutable } from '../lib/mutable.js';
import { authenticate } from '../credentials/authenticate.js';
import type { Caller } from '../credentials/caller.js';
import { keyInUrl } from '../credentials/extract.js';
import type { Environment } from '../keys/model.js';
import type { Keyward } from '../keyward.js';
import { sha256Hex } from '../lib/crypto.js';
import { evaluate, type CompiledAccessMap } from '../policy/evaluate.js';
import { enforceLimits } from '../policy/limits.js';
import { retryAfter } from '../ratelimit/headers.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import type { GatewayDecision, GatewayPolicy, GatewayRequest } from './types.js';

export interface GatewayPolicyOptions {
  readonly kw: Keyward;
  readonly map: CompiledAccessMap;
  readonly limits: RateLimitStore;
  /** Only credentials of this app / environment pass (a gateway usually fronts one app). */
  readonly appId?: string;
  readonly environment?: Environment;
  /** `aud` of the identity token the upstream receives. */
  readonly identityAudience?: string;
  /** Lifetime of the identity token, seconds (default 60). */
  readonly identityTtlSeconds?: number;
}

/**
 * The gateway's decision for one request, in this order:
 *  key in URL → authenticate (any scheme; a signature present is always checked) → access map →
 *  rate limits → quota → server-held secret → identity headers.
 * A refusal at any step is a value with a catalogue code; only a broken dependency throws (the
 * proxy then fails closed with 503).
 */
export function createGatewayPolicy(options: GatewayPolicyOptions): GatewayPolicy & { identityFor(caller: Caller): Promise<string> } {
  const { kw, map } = options;
  const identityCache = new Map<string, { token: string; untilMs: number }>();
  const identityTtl = options.identityTtlSeconds ?? 60;
  // Per-request work is built by assignment, not conditional spreads (a measurable cost here).
  const scope: Mutable<AuthContext> = { deferCredits: true };
  if (options.appId) scope.appId = options.appId;
  if (options.environment) scope.environment = options.environment;

  /** A short-lived JWT describing the verified caller, reused for half its life (signing per request would dominate). */
  async function identityFor(caller: Caller): Promise<string> {
    const now = kw.now();
    const id = `${caller.scheme}|${caller.id}|${caller.subject ?? ''}|${caller.signed}|${caller.attested}`;
    const hit = identityCache.get(id);
    if (hit && hit.untilMs > now) return hit.token;
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
    identityCache.set(id, { token: minted.token, untilMs: now + (identityTtl * 1000) / 2 });
    return minted.token;
  }

  return {
    identityFor,
    needsBody(req) {
      return (req.headers['signature-input'] !== undefined || req.headers.signature !== undefined) && (req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined);
    },
    async decide(req: GatewayRequest): Promise<GatewayDecision> {
      const found = keyInUrl(req.rawTarget);
      if (found.length > 0) {
        for (const key of found) {
          const hit = await kw.store.findKeyByHash(sha256Hex(key));
          if (hit) {
            const app = hit.key.appId ? await kw.apps.getCached(hit.key.appId) : undefined;
            await kw.keys.markExposed(hit.key.id, 'url (gateway)', app?.settings.revokeKeysSeenInUrls ?? false, { actor: 'system', requestId: 'gateway' });
          }
        }
        return { allow: false, code: 'KEY_IN_URL' };
      }
      const authReq: Mutable<AuthRequest> = { method: req.method, rawTarget: req.rawTarget, headers: req.headers, rawHeaders: req.rawHeaders, clientIp: req.clientIp };
      if (req.body) authReq.body = req.body;
      if (req.clientCertSha256) authReq.clientCertSha256 = req.clientCertSha256;
      const auth = await authenticate(authReq, kw.credentials, scope);
      if (!auth.valid) {
        if (auth.retryAfterMs === undefined) return { allow: false, code: auth.code };
        return { allow: false, code: auth.code, responseHeaders: retryAfter(auth.retryAfterMs) };
      }
      const caller = auth.caller;
      const version = req.headers['x-keyward-app-version'];
      const call: { method: string; path: string; appVersion?: string } = { method: req.method, path: req.path };
      if (typeof version === 'string') call.appVersion = version;
      const decision = evaluate(map, call, caller);
      kw.metrics.verification('gateway', decision.allowed ? 'VALID' : decision.code, decision.allowed ? 'VALID' : decision.reason);
      if (!decision.allowed) return { allow: false, code: decision.code };
      const limited = await enforceLimits(map, decision.resource, caller, req.clientIp, options.limits, kw.now());
      if (!limited.ok) return { allow: false, code: limited.code, detail: limited.code === 'RATE_LIMITED' ? 'rate limit' : 'quota', responseHeaders: limited.headers };
      if (caller.meteredKey && decision.resource.cost > 0) {
        // Spent only now, after the map and the limits allowed the call, and by the resource's cost.
        const spent = await kw.verifier.spendDeferred(caller.id, decision.resource.cost);
        if (!spent.ok) {
          return spent.code === 'USAGE_EXCEEDED' ? { allow: false, code: 'USAGE_EXCEEDED', detail: 'the key has no credits left', responseHeaders: retryAfter(spent.retryAfterMs) } : { allow: false, code: spent.code };
        }
      }

      const upstreamHeaders: Record<string, string> = {
        'x-keyward-identity': await identityFor(caller),
        'x-keyward-app': caller.appId,
        'x-keyward-environment': caller.environment,
        'x-keyward-credential-kind': caller.kind,
        'x-keyward-credential-id': caller.id,
        'x-keyward-scopes': caller.scopes.join(' '),
        'x-keyward-signed': String(caller.signed),
      };
      if (caller.subject !== null) upstreamHeaders['x-keyward-subject'] = caller.subject;
      const inject = decision.resource.injectSecret;
      if (inject) {
        const value = await kw.secrets.reveal(caller.appId, caller.environment, inject.name);
        if (value === undefined) throw new Error(`server-held secret "${inject.name}" is not set for ${caller.appId}/${caller.environment}`);
        upstreamHeaders[inject.header] = inject.format.replace('{secret}', value);
      }
      return { allow: true, upstreamHeaders, responseHeaders: limited.headers, credentialId: caller.id };
    },
  };
}
