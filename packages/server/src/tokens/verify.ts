import { errors as joseErrors, jwtVerify } from 'jose';
import { claimsFromPayload, deny, REQUIRED_CLAIMS, type TokenClaims, type TokenDenial, type TokenDenyReason } from './claims.js';
import type { LoadedKey, SigningKeys } from './signing-keys.js';
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

/**
 * Checks that a compact JWS is one Keyward signed and that its lifetime, issuer and audience hold.
 * Returns a value for every token, good or forged; throws only when something of ours is broken
 * (the store failing while loading a key), never because of what the token contains.
 *
 * Algorithm pinning: jose first checks `alg` against the algorithms Keyward ever signs with (so
 * `none`, `HS256` with the public key as secret, `RS256` … are refused before any key is chosen),
 * then calls our key resolver with the header it parsed. The resolver looks the kid up locally
 * and refuses unless the header's alg equals the alg recorded for that kid. The returned
 * CryptoKey is also bound to that alg, so jose itself would refuse a mismatch. Choosing the key
 * inside the resolver means the header is parsed once, by jose, and what we check is exactly
 * what jose uses.
 */
export async function verifySignedToken(token: unknown, keys: SigningKeys, policy: VerifyPolicy): Promise<SignatureResult> {
  if (typeof token !== 'string') return deny('TOKEN_INVALID', 'MALFORMED');
  if (token.length > MAX_TOKEN_LENGTH) return deny('TOKEN_INVALID', 'TOO_LONG');
  if (!isCanonicalCompactJws(token)) return deny('TOKEN_INVALID', 'MALFORMED');
  const nowMs = policy.nowMs;
  let key: LoadedKey | undefined;
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        for (const name of Object.keys(header)) if (!HEADER_PARAMS.has(name)) throw new Refusal('HEADER_PARAM');
        if (header.typ !== 'JWT') throw new Refusal('TYP');
        if (typeof header.kid !== 'string' || header.kid.length === 0) throw new Refusal('NO_KID');
        key = keys.lookup(header.kid, nowMs) ?? (await keys.find(header.kid, nowMs));
        if (!key) throw new Refusal('UNKNOWN_KID');
        if (header.alg !== key.record.alg) throw new Refusal('ALG_MISMATCH');
        return key.verifyKey;
      },
      {
        algorithms: [...JWT_ALGORITHMS],
        issuer: policy.issuer,
        ...(policy.audience !== undefined ? { audience: policy.audience } : {}),
        currentDate: new Date(nowMs),
        clockTolerance: policy.clockToleranceSeconds,
        maxTokenAge: policy.maxTtlSeconds,
        requiredClaims: REQUIRED_CLAIMS,
      },
    );
    const claims = claimsFromPayload(payload, key!.record.kid);
    if (!claims || claims.expiresAtMs - claims.issuedAtMs > policy.maxTtlSeconds * 1000) return deny('TOKEN_INVALID', 'CLAIMS');
    return { valid: true, claims };
  } catch (err) {
    return refusalFor(err);
  }
}

/** A "no" decided inside jose's key resolver, thrown only to stop jose. */
class Refusal extends Error {
  constructor(readonly reason: TokenDenyReason) {
    super(reason);
  }
}

/** jose's exceptions are answers about the token; anything else is ours and propagates. */
function refusalFor(err: unknown): TokenDenial {
  if (err instanceof Refusal) return deny('TOKEN_INVALID', err.reason);
  if (err instanceof joseErrors.JWTExpired) return deny('TOKEN_EXPIRED', err.claim === 'iat' ? 'TOO_OLD' : 'EXPIRED');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.reason === 'missing' || err.reason === 'invalid') return deny('TOKEN_INVALID', 'CLAIMS');
    const byClaim: Record<string, TokenDenyReason> = { nbf: 'NOT_YET_VALID', iat: 'NOT_YET_VALID', iss: 'ISSUER', aud: 'AUDIENCE' };
    return deny('TOKEN_INVALID', byClaim[err.claim] ?? 'CLAIMS');
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return deny('TOKEN_INVALID', 'ALG_NOT_ALLOWED');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return deny('TOKEN_INVALID', 'SIGNATURE');
  if (err instanceof joseErrors.JOSEError) return deny('TOKEN_INVALID', 'MALFORMED');
  throw err;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const B64_INDEX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Three non-empty, unpadded, canonical base64url segments. Canonical matters for the signature:
 * decoders ignore the unused low bits of the last character, so without this check one
 * signature has up to 16 spellings, i.e. 16 distinct token strings that all verify.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  for (const part of parts) {
    if (!BASE64URL.test(part)) return false;
    const rem = part.length % 4;
    if (rem === 1) return false;
    if (rem === 0) continue;
    const last = B64_INDEX.indexOf(part[part.length - 1]!);
    if ((last & (rem === 2 ? 0b1111 : 0b11)) !== 0) return false;
  }
  return true;
}
