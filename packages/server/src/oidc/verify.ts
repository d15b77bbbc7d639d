import { verify } from 'node:crypto';
import { isCanonicalCompactJws, MAX_TOKEN_LENGTH } from '../tokens/verify.js';
import type { IdentityProvider } from './config.js';
import type { KeyLookup } from './jwks.js';

/**
 * Why an external token was refused: for metrics and logs only. The caller sees TOKEN_INVALID,
 * TOKEN_EXPIRED or IDP_UNAVAILABLE, never which check stopped a forgery.
 */
export type OidcDenyReason =
  | 'MALFORMED'
  | 'TOO_LONG'
  | 'HEADER_PARAM' // jku, x5u, jwk, x5c, crit, b64, zip …: a token never chooses its own key or encoding
  | 'TYP'
  | 'NO_KID'
  | 'ALG_NOT_ALLOWED' // none, HS*, or an algorithm this provider is not allowed
  | 'UNKNOWN_KID'
  | 'ALG_MISMATCH' // an allowed alg, but not the one the kid's key is pinned to
  | 'SIGNATURE'
  | 'ISSUER'
  | 'AUDIENCE'
  | 'CLAIMS' // sub, exp or iat missing or of the wrong type
  | 'EXPIRED'
  | 'NOT_YET_VALID' // nbf or iat in the future beyond the skew
  | 'JWKS_UNAVAILABLE'
  | 'NO_PROVIDER' // the app has no provider with this token's issuer
  | 'APP_REQUIRED' // nothing named the app whose providers to use
  | 'OTHER_ENVIRONMENT';

export type OidcDenyCode = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'IDP_UNAVAILABLE';

export type OidcResult =
  | { readonly valid: true; readonly claims: Readonly<Record<string, unknown>>; readonly subject: string; readonly kid: string }
  | { readonly valid: false; readonly code: OidcDenyCode; readonly reason: OidcDenyReason };

const no = (code: OidcDenyCode, reason: OidcDenyReason): OidcResult => ({ valid: false, code, reason });

/**
 * Header parameters an external token may carry. `typ` is JWT or at+jwt (RFC 9068 access tokens);
 * everything that would let the token pick its key (`jku`, `x5u`, `jwk`, `x5c`) or change how it
 * is read (`crit`, `b64`, `zip`) is refused before any key is looked at.
 */
const HEADER_PARAMS: ReadonlySet<string> = new Set(['alg', 'kid', 'typ', 'x5t', 'x5t#S256']);
const TYPES: ReadonlySet<string> = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** base64url → fatal UTF-8 → JSON → a plain object, or undefined. */
export function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The unverified `iss` of a compact JWT: only to choose which provider's rules then verify it. */
export function peekIssuer(token: string): string | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  const iss = decodeSegment(token.slice(first + 1, second))?.iss;
  return typeof iss === 'string' ? iss : undefined;
}

/**
 * Verifies an external provider's token, in this order: strict compact form and size → header
 * (known parameters only, typ, a kid, an algorithm this provider allows: never `none` or HS*) →
 * the key for the kid from the provider's JWKS (never from the token) → the header's alg must be
 * the one that key is pinned to → the signature, under that one algorithm → the claims set: iss
 * exact, aud (string or list) holds the app's audience, sub, exp required; exp, nbf and iat within
 * the provider's clock skew. Every "no" is a value.
 */
export async function verifyExternalToken(token: string, provider: IdentityProvider, keyFor: (kid: string) => Promise<KeyLookup>, nowMs: number): Promise<OidcResult> {
  if (token.length > MAX_TOKEN_LENGTH) return no('TOKEN_INVALID', 'TOO_LONG');
  if (!isCanonicalCompactJws(token)) return no('TOKEN_INVALID', 'MALFORMED');
  const first = token.indexOf('.');
  const dot = token.lastIndexOf('.');
  const header = decodeSegment(token.slice(0, first));
  if (!header) return no('TOKEN_INVALID', 'MALFORMED');
  for (const name of Object.keys(header)) if (!HEADER_PARAMS.has(name)) return no('TOKEN_INVALID', 'HEADER_PARAM');
  if (header.typ !== undefined && !(typeof header.typ === 'string' && TYPES.has(header.typ.toLowerCase()))) return no('TOKEN_INVALID', 'TYP');
  if (!(provider.algorithms as readonly unknown[]).includes(header.alg)) return no('TOKEN_INVALID', 'ALG_NOT_ALLOWED');
  if (typeof header.kid !== 'string' || header.kid.length === 0) return no('TOKEN_INVALID', 'NO_KID');
  const found = await keyFor(header.kid);
  if (!found.found) return found.reason === 'JWKS_UNAVAILABLE' ? no('IDP_UNAVAILABLE', 'JWKS_UNAVAILABLE') : no('TOKEN_INVALID', 'UNKNOWN_KID');
  const { key, alg } = found.key;
  if (header.alg !== alg) return no('TOKEN_INVALID', 'ALG_MISMATCH');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const data = Buffer.from(token.slice(0, dot), 'latin1');
  let ok: boolean;
  if (alg === 'EdDSA') ok = verify(null, data, key, signature);
  else if (alg === 'ES256') ok = signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  else ok = verify('sha256', data, key, signature);
  if (!ok) return no('TOKEN_INVALID', 'SIGNATURE');

  const claims = decodeSegment(token.slice(first + 1, dot));
  if (!claims) return no('TOKEN_INVALID', 'MALFORMED');
  if (claims.iss !== provider.issuer) return no('TOKEN_INVALID', 'ISSUER');
  const aud = claims.aud;
  if (!(typeof aud === 'string' ? aud === provider.audience : Array.isArray(aud) && aud.includes(provider.audience))) return no('TOKEN_INVALID', 'AUDIENCE');
  const { sub, exp, nbf, iat } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return no('TOKEN_INVALID', 'CLAIMS');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return no('TOKEN_INVALID', 'CLAIMS');
  if ((nbf !== undefined && typeof nbf !== 'number') || (iat !== undefined && typeof iat !== 'number')) return no('TOKEN_INVALID', 'CLAIMS');
  const now = Math.floor(nowMs / 1000);
  const skew = provider.clockSkewSeconds;
  if (typeof nbf === 'number' && nbf > now + skew) return no('TOKEN_INVALID', 'NOT_YET_VALID');
  if (typeof iat === 'number' && iat > now + skew) return no('TOKEN_INVALID', 'NOT_YET_VALID');
  if (exp <= now - skew) return no('TOKEN_EXPIRED', 'EXPIRED');
  return { valid: true, claims, subject: sub, kid: header.kid };
}
