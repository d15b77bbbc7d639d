import { verify } from 'node:crypto';
import { claimsFromPayload, deny, REQUIRED_CLAIMS, type TokenClaims, type TokenDenial } from './claims.js';
import type { SigningKeys } from './signing-keys.js';
import { JWT_ALGORITHMS } from './store.js';

/** Longer strings are refused before any parsing (ours are well under 1 KiB unless custom claims are large). */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The only header parameters a Keyward token has. Everything else is refused before the signature
 * is checked, in particular the ones that let a token name its own key or change how it is read:
 * `jku`, `x5u` (fetch a key from a URL), `jwk`, `x5c` (embedded key), `x5t`, `crit`, `b64`
 * (RFC 7797 unencoded payload), `zip`, `cty`.
 */
const HEADER_PARAMS: ReadonlySet<string> = new Set(['alg', 'kid', 'typ']);

export interface VerifyPolicy {
  /** Expected `iss`. */
  readonly issuer: string;
  /** Leeway for exp, nbf and iat against the verifier's clock, seconds. */
  readonly clockToleranceSeconds: number;
  /** The longest TTL Keyward mints: a token whose iat is older, or whose exp − iat is longer, is refused. Seconds. */
  readonly maxTtlSeconds: number;
  /** The verifier's clock, ms. */
  readonly nowMs: number;
  /** Expected `aud`, when the verifier names one. */
  readonly audience?: string;
}

export type SignatureResult = { readonly valid: true; readonly claims: TokenClaims } | TokenDenial;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The protected header: base64url → fatal UTF-8 → JSON → must be an object (the claims set is
 * read by the same rules, in parsePayload).
 */
function parseHeader(token: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pure header decision: only alg/kid/typ, an algorithm Keyward signs with, typ JWT, a kid.
 * Returns the kid, or why not.
 */
export function checkHeader(header: Record<string, unknown>): { readonly kid: string } | TokenDenial {
  for (const name of Object.keys(header)) if (!HEADER_PARAMS.has(name)) return deny('TOKEN_INVALID', 'HEADER_PARAM');
  // none, HS256 (the public key as an HMAC secret), RS256 …: refused before any key is chosen.
  if (!(JWT_ALGORITHMS as readonly unknown[]).includes(header.alg)) return deny('TOKEN_INVALID', 'ALG_NOT_ALLOWED');
  if (header.typ !== 'JWT') return deny('TOKEN_INVALID', 'TYP');
  if (typeof header.kid !== 'string' || header.kid.length === 0) return deny('TOKEN_INVALID', 'NO_KID');
  return { kid: header.kid };
}

/**
 * Headers that passed {@link checkHeader}, by their exact base64url text. Every token a key signs
 * carries the same header, so it is decoded once per key rather than once per token. Only
 * accepted headers are kept, the text is the cache key (so the same bytes mean the same header),
 * and the map is bounded: forged headers are never stored, and at worst the cache is cleared.
 */
const acceptedHeaders = new Map<string, { readonly kid: string; readonly alg: unknown }>();
const MAX_ACCEPTED_HEADERS = 256;

function checkedHeader(token: string): { readonly kid: string; readonly alg: unknown } | TokenDenial {
  const text = token.slice(0, token.indexOf('.'));
  const hit = acceptedHeaders.get(text);
  if (hit) return hit;
  const header = parseHeader(token);
  if (!header) return deny('TOKEN_INVALID', 'MALFORMED');
  const checked = checkHeader(header);
  if ('valid' in checked) return checked;
  const accepted = { kid: checked.kid, alg: header.alg };
  if (acceptedHeaders.size >= MAX_ACCEPTED_HEADERS) acceptedHeaders.clear();
  acceptedHeaders.set(text, accepted);
  return accepted;
}


/**
 * Checks that a compact JWS is one Keyward signed and that its lifetime, issuer and audience hold.
 * Returns a value for every token, good or forged; throws only when something of ours is broken
 * (the store failing while loading a key), never because of what the token contains.
 *
 * Order: strict compact form → header (alg/kid/typ only, allowed alg, typ) → key by kid, looked
 * up locally (no URL is fetched, no key taken from the header) → the header's alg must equal the
 * alg recorded for that kid → the signature, with synchronous `crypto.verify` on the kid's pinned
 * KeyObject under that one algorithm (ES256: exactly 64 bytes, IEEE P1363 r‖s) → the claims set
 * (fatal UTF-8 JSON object) → required claims, iss, aud, nbf, exp, iat age → claim types. Every
 * "no" is a value; nothing is thrown for control flow. No WebCrypto: its verify waits on the
 * thread pool, which made a new token cost about twice what the signature check does.
 */
export async function verifySignedToken(token: unknown, keys: SigningKeys, policy: VerifyPolicy): Promise<SignatureResult> {
  if (typeof token !== 'string') return deny('TOKEN_INVALID', 'MALFORMED');
  if (token.length > MAX_TOKEN_LENGTH) return deny('TOKEN_INVALID', 'TOO_LONG');
  if (!isCanonicalCompactJws(token)) return deny('TOKEN_INVALID', 'MALFORMED');
  const checked = checkedHeader(token);
  if ('valid' in checked) return checked;
  const nowMs = policy.nowMs;
  const key = keys.lookup(checked.kid, nowMs) ?? (await keys.find(checked.kid, nowMs));
  if (!key) return deny('TOKEN_INVALID', 'UNKNOWN_KID');
  if (checked.alg !== key.record.alg) return deny('TOKEN_INVALID', 'ALG_MISMATCH');
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const data = Buffer.from(token.slice(0, dot), 'latin1');
  const ok = key.record.alg === 'EdDSA' ? verify(null, data, key.publicKey, signature) : signature.length === 64 && verify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) return deny('TOKEN_INVALID', 'SIGNATURE');
  const payload = parsePayload(token.slice(token.indexOf('.') + 1, dot));
  if (!payload) return deny('TOKEN_INVALID', 'MALFORMED');
  const refused = checkClaims(payload, policy);
  if (refused) return refused;
  const claims = claimsFromPayload(payload, key.record.kid);
  if (!claims || claims.expiresAtMs - claims.issuedAtMs > policy.maxTtlSeconds * 1000) return deny('TOKEN_INVALID', 'CLAIMS');
  return { valid: true, claims };
}

/** The claims set: base64url → fatal UTF-8 → JSON → a plain object, or undefined. */
function parsePayload(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The registered-claim checks, in the order and with the rules of RFC 7519 as jose applies them
 * (the answers the attack set pins): every required claim present → iss → aud → iat, nbf, exp
 * numeric → nbf not after now + tolerance → exp after now − tolerance → iat no older than
 * maxTtlSeconds and not in the future. Times are whole seconds, now rounded down.
 */
function checkClaims(claims: Record<string, unknown>, policy: VerifyPolicy): TokenDenial | undefined {
  for (const name of REQUIRED_CLAIMS) if (!Object.hasOwn(claims, name)) return deny('TOKEN_INVALID', 'CLAIMS');
  if (claims.iss !== policy.issuer) return deny('TOKEN_INVALID', 'ISSUER');
  if (policy.audience !== undefined) {
    const aud = claims.aud;
    if (!(typeof aud === 'string' ? aud === policy.audience : Array.isArray(aud) && aud.includes(policy.audience))) return deny('TOKEN_INVALID', 'AUDIENCE');
  }
  const { iat, nbf, exp } = claims;
  if (typeof iat !== 'number' || typeof nbf !== 'number' || typeof exp !== 'number') return deny('TOKEN_INVALID', 'CLAIMS');
  const now = Math.floor(policy.nowMs / 1000);
  const tolerance = policy.clockToleranceSeconds;
  if (nbf > now + tolerance) return deny('TOKEN_INVALID', 'NOT_YET_VALID');
  if (exp <= now - tolerance) return deny('TOKEN_EXPIRED', 'EXPIRED');
  const age = now - iat;
  if (age - tolerance > policy.maxTtlSeconds) return deny('TOKEN_EXPIRED', 'TOO_OLD');
  if (age < -tolerance) return deny('TOKEN_INVALID', 'NOT_YET_VALID');
  return undefined;
}

/** Three non-empty base64url segments, nothing else (no padding, whitespace or fourth segment). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const B64_INDEX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Strict compact form, checked before anything is decoded: jose's base64url decoder (atob) is
 * forgiving and would, e.g., skip whitespace in a header. And a canonical signature: decoders
 * ignore the unused low bits of the last character, so without this check one signature has up
 * to 16 spellings, i.e. 16 distinct token strings that all verify. (The header and payload need
 * no such check: the signature covers their exact ASCII spelling.)
 */
export function isCanonicalCompactJws(token: string): boolean {
  if (!COMPACT_JWS.test(token)) return false;
  const sigLength = token.length - token.lastIndexOf('.') - 1;
  const rem = sigLength % 4;
  if (rem === 1) return false;
  if (rem === 0) return true;
  const last = B64_INDEX.indexOf(token[token.length - 1]!);
  return (last & (rem === 2 ? 0b1111 : 0b11)) === 0;
}
