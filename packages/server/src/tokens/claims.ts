import type { JWTPayload } from 'jose';
import type { Environment } from '@keyward/protocol';
import { KeywardError } from '../errors/keyward-error.js';
import { missingScope } from '../keys/scopes.js';

/**
 * kw_* claims are Keyward's to set (the gateway's identity token uses them to describe the
 * verified caller, e.g. kw_attested); a backend minting a token (API or CLI) may not assert them.
 */
export function refuseKeywardClaims(claims: Readonly<Record<string, unknown>> | undefined): void {
  const keywardClaim = Object.keys(claims ?? {}).find((k) => k.startsWith('kw_'));
  if (keywardClaim) throw new KeywardError('VALIDATION_FAILED', `claim ${keywardClaim} is reserved`, { errors: [{ pointer: `/body/claims/${keywardClaim}`, message: 'kw_* claims are set by Keyward' }] });
}

/** What a verified token says, in Keyward's vocabulary (times in ms). */
export interface TokenClaims {
  readonly jti: string;
  /** The signing key that verified it. */
  readonly kid: string;
  readonly subject: string;
  readonly appId: string;
  readonly environment: Environment;
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly singleUse: boolean;
  /** Claims the minter added (`MintInput.claims`), untouched. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** What the verifying party requires beyond a valid signature and lifetime. Unset means "any". */
export interface TokenExpectations {
  readonly audience?: string;
  readonly appId?: string;
  readonly environment?: string;
  /** Every one must be granted by the token's `scope` (wildcards as for keys). */
  readonly requiredScopes?: readonly string[];
}

export type TokenDenyCode = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_ALREADY_USED' | 'INSUFFICIENT_SCOPES';

/**
 * Why a token was refused: for logs and metrics only. Callers over HTTP see the `code`, never
 * this, so a forger learns "invalid" and nothing about which check stopped them.
 */
export type TokenDenyReason =
  | 'MALFORMED' // not three canonical base64url segments of JSON, or jose could not parse it
  | 'TOO_LONG'
  | 'HEADER_PARAM' // a header parameter other than alg/kid/typ (jku, x5u, jwk, x5c, crit, b64 …)
  | 'TYP' // typ is not JWT (e.g. a signed pin set)
  | 'NO_KID'
  | 'UNKNOWN_KID' // not one of our keys, or a retired one
  | 'ALG_NOT_ALLOWED' // none, HS*, RS* …: outside the algorithms Keyward ever signs with
  | 'ALG_MISMATCH' // an allowed alg, but not the one pinned to this kid
  | 'SIGNATURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'TOO_OLD' // iat further back than the longest TTL Keyward mints
  | 'ISSUER'
  | 'AUDIENCE'
  | 'CLAIMS' // a required claim missing or of the wrong type
  | 'OTHER_APP'
  | 'OTHER_ENVIRONMENT'
  | 'SCOPES'
  | 'JTI_CONSUMED'
  | 'REVOKED'; // its jti was revoked (TokenService.revoke) for its app and environment

export type TokenResult =
  | { readonly valid: true; readonly code: 'VALID'; readonly claims: TokenClaims }
  | { readonly valid: false; readonly code: TokenDenyCode; readonly reason: TokenDenyReason };

export type TokenDenial = Extract<TokenResult, { valid: false }>;

export const deny = (code: TokenDenyCode, reason: TokenDenyReason): TokenDenial => ({ valid: false, code, reason });

/** Claims Keyward sets itself; `MintInput.claims` may not name them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'kw_app', 'kw_env', 'kw_single']);

/** Claims jose must find before we look at anything else. */
export const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'kw_app', 'kw_env'];

/**
 * The payload a verified signature vouches for, read strictly: anything we would not have minted
 * (an array audience, a non-string scope, an unknown environment) is `undefined`, i.e. CLAIMS.
 */
export function claimsFromPayload(p: JWTPayload, kid: string): TokenClaims | undefined {
  const env = p.kw_env;
  if (typeof p.jti !== 'string' || typeof p.sub !== 'string' || typeof p.aud !== 'string' || typeof p.kw_app !== 'string') return undefined;
  if ((env !== 'live' && env !== 'test') || typeof p.exp !== 'number' || typeof p.iat !== 'number') return undefined;
  if (p.scope !== undefined && typeof p.scope !== 'string') return undefined;
  if (p.kw_single !== undefined && p.kw_single !== true) return undefined;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (!RESERVED_CLAIMS.has(k)) extra[k] = v;
  return {
    jti: p.jti,
    kid,
    subject: p.sub,
    appId: p.kw_app,
    environment: env,
    scopes: p.scope ? p.scope.split(' ') : [],
    audience: p.aud,
    issuedAtMs: p.iat * 1000,
    expiresAtMs: p.exp * 1000,
    singleUse: p.kw_single === true,
    extra,
  };
}

/**
 * The pure decision on verified claims, in a fixed order: audience, app, environment, scopes.
 * Run on every presentation, cached or not, because each verifier's expectations differ.
 */
export function checkClaims(claims: TokenClaims, expect: TokenExpectations): TokenResult {
  if (expect.audience !== undefined && claims.audience !== expect.audience) return deny('TOKEN_INVALID', 'AUDIENCE');
  if (expect.appId !== undefined && claims.appId !== expect.appId) return deny('TOKEN_INVALID', 'OTHER_APP');
  if (expect.environment !== undefined && claims.environment !== expect.environment) return deny('TOKEN_INVALID', 'OTHER_ENVIRONMENT');
  if (expect.requiredScopes?.length && missingScope(claims.scopes, expect.requiredScopes) !== undefined) return deny('INSUFFICIENT_SCOPES', 'SCOPES');
  return { valid: true, code: 'VALID', claims };
}
