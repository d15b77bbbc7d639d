/**
 * Tokens from an attestation service the team already runs (Firebase App Check, or any service
 * that signs JWTs and publishes a JWKS), configured per app: issuer, audience, JWKS URL. Keys come
 * from the one JWKS cache Keyward has (oidc/jwks.ts: bounded fetch, Cache-Control, rate-limited
 * refetch on an unknown kid, stale keys during an outage); each key is pinned to one algorithm.
 * Firebase App Check: RS256, iss `https://firebaseappcheck.googleapis.com/<project number>`,
 * aud includes `projects/<project number>`, sub = the Firebase app id
 * (https://firebase.google.com/docs/app-check/custom-resource-backend).
 */
import { errors, decodeProtectedHeader, jwtVerify } from 'jose';
import { systemClock, type Clock } from '../../lib/clock.js';
import { JwksRegistry, type JwksCacheOptions } from '../../oidc/jwks.js';
import { base64url, fail, sha256 } from '../chain.js';
import type { AttestationPayload, AttestationVerdict, AttestationVerifier } from '../provider.js';

export interface ExternalVerifierOptions {
  /** Share the process's registry (one cache per JWKS URL); else one is made from `now` and `jwks`. */
  readonly registry?: JwksRegistry;
  readonly now?: Clock;
  readonly jwks?: JwksCacheOptions;
  /** Allowed difference between the service's clock and ours for exp/nbf/iat, seconds. Default 60. */
  readonly clockToleranceSeconds?: number;
}

type ExternalPayload = Extract<AttestationPayload, { platform: 'external' }>;
export const MAX_EXTERNAL_TOKEN_LENGTH = 8 * 1024;

export function externalVerifier(options: ExternalVerifierOptions = {}): AttestationVerifier<ExternalPayload> {
  const registry = options.registry ?? new JwksRegistry(options.now ?? systemClock, options.jwks);
  return {
    platform: 'external',
    async verify(payload, context): Promise<AttestationVerdict> {
      const provider = context.policy.external?.find((p) => p.name === payload.provider);
      if (provider === undefined) return fail('ATTESTATION_UNSUPPORTED', 'provider_not_configured');
      const token = payload.token;
      if (typeof token !== 'string' || token.length > MAX_EXTERNAL_TOKEN_LENGTH || token.split('.').length !== 3) return fail('ATTESTATION_FAILED', 'malformed_token');
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        return fail('ATTESTATION_FAILED', 'malformed_token');
      }
      if (typeof kid !== 'string') return fail('ATTESTATION_FAILED', 'kid_missing');
      const lookup = await registry.get(provider.jwksUrl).lookup(kid);
      if (!lookup.found) return fail('ATTESTATION_FAILED', lookup.reason === 'UNKNOWN_KID' ? 'unknown_kid' : 'jwks_unavailable');
      try {
        const { payload: claims } = await jwtVerify(token, lookup.key.key, {
          algorithms: [lookup.key.alg],
          issuer: provider.issuer,
          audience: provider.audience,
          currentDate: new Date(context.nowMs),
          clockTolerance: options.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'sub'],
        });
        if (typeof claims.sub !== 'string' || claims.sub.length === 0) return fail('ATTESTATION_FAILED', 'subject_missing');
        return {
          ok: true,
          instance: {
            platform: 'external',
            // No device key: the id names this token, so the flow can refuse its reuse.
            keyId: base64url(sha256(Buffer.from(token))),
            facts: { provider: provider.name, issuer: provider.issuer, subject: claims.sub, ...(typeof claims.exp === 'number' ? { expiresAtSeconds: claims.exp } : {}) },
          },
        };
      } catch (err) {
        if (err instanceof errors.JWTExpired) return fail('ATTESTATION_CLOCK_SKEW', 'token_expired');
        if (err instanceof errors.JWTClaimValidationFailed) {
          if (err.claim === 'iss') return fail('ATTESTATION_WRONG_APP', 'issuer_mismatch');
          if (err.claim === 'aud') return fail('ATTESTATION_WRONG_APP', 'audience_mismatch');
          if (err.claim === 'nbf' || err.claim === 'iat') return fail('ATTESTATION_CLOCK_SKEW', 'token_not_yet_valid');
          return fail('ATTESTATION_FAILED', 'claims_invalid');
        }
        return fail('ATTESTATION_FAILED', 'signature_invalid');
      }
    },
  };
}
