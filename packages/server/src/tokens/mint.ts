import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Environment } from '@keyward/protocol';
import { KeywardError, type FieldError } from '../errors/keyward-error.js';
import { RESERVED_CLAIMS } from './claims.js';
import type { JwtAlgorithm, SigningKeyRecord } from './store.js';

export interface MintInput {
  readonly appId: string;
  readonly environment: Environment;
  /** `sub`: the user or device the token acts for. */
  readonly subject: string;
  /** `scope`, space-separated in the token; a scope may not contain whitespace. */
  readonly scopes: readonly string[];
  /** `aud`: the one service meant to accept it (e.g. `uploads`). */
  readonly audience: string;
  /**
   * Lifetime in whole seconds, from 1 to the app's cap. A longer request is refused with
   * VALIDATION_FAILED rather than silently shortened: a caller that asked for an hour and got
   * five minutes would see failures it cannot explain.
   */
  readonly ttlSeconds: number;
  /** The token verifies once: its jti is consumed atomically on first successful verification. */
  readonly singleUse?: boolean;
  /** A lower cap for this one call (e.g. the app's setting read by the caller), seconds. */
  readonly ttlCapSeconds?: number;
  /** Default `EdDSA` (Ed25519); `ES256` for clients without Ed25519. */
  readonly alg?: JwtAlgorithm;
  /** Extra claims. May not name a registered or Keyward claim (`RESERVED_CLAIMS`). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface MintedToken {
  readonly token: string;
  readonly jti: string;
  readonly kid: string;
  /** `exp` in ms. */
  readonly expiresAtMs: number;
}

const MAX_TEXT = 256;

/** Pure input check; every failure names its field. `capSeconds` is the effective cap for this app. */
export function validateMintInput(input: MintInput, capSeconds: number): void {
  // A NaN cap would make every `ttl > cap` comparison false, i.e. no cap at all.
  if (!Number.isInteger(capSeconds) || capSeconds < 1) throw new TypeError(`the TTL cap must be a whole number of seconds ≥ 1, got ${capSeconds}`);
  const errors: FieldError[] = [];
  const text = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT;
  if (!text(input.appId)) errors.push({ pointer: '/appId', message: 'required' });
  if (input.environment !== 'live' && input.environment !== 'test') errors.push({ pointer: '/environment', message: 'live or test' });
  if (!text(input.subject)) errors.push({ pointer: '/subject', message: `1 to ${MAX_TEXT} characters` });
  if (!text(input.audience)) errors.push({ pointer: '/audience', message: `1 to ${MAX_TEXT} characters` });
  if (!Array.isArray(input.scopes)) errors.push({ pointer: '/scopes', message: 'an array of scopes' });
  else input.scopes.forEach((s, i) => {
    if (typeof s !== 'string' || !/^\S{1,130}$/.test(s)) errors.push({ pointer: `/scopes/${i}`, message: '1 to 130 characters, no whitespace' });
  });
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > capSeconds) {
    errors.push({ pointer: '/ttlSeconds', message: `a whole number of seconds from 1 to ${capSeconds} (this app's cap)` });
  }
  if (input.alg !== undefined && input.alg !== 'EdDSA' && input.alg !== 'ES256') errors.push({ pointer: '/alg', message: 'EdDSA or ES256' });
  for (const name of Object.keys(input.claims ?? {})) {
    if (RESERVED_CLAIMS.has(name)) errors.push({ pointer: `/claims/${name}`, message: 'set by Keyward' });
  }
  if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
}

/**
 * Signs the token. `iat` = `nbf` = now (whole seconds), `exp` = now + ttl. The header is exactly
 * `{alg, kid, typ: 'JWT'}`: the verifier refuses any other parameter.
 */
export async function signToken(
  signer: { readonly record: SigningKeyRecord; readonly signKey: CryptoKey },
  input: MintInput,
  context: { readonly issuer: string; readonly nowMs: number },
): Promise<MintedToken> {
  const nowS = Math.floor(context.nowMs / 1000);
  const exp = nowS + input.ttlSeconds;
  const jti = randomUUID();
  const token = await new SignJWT({
    ...input.claims,
    scope: input.scopes.join(' '),
    kw_app: input.appId,
    kw_env: input.environment,
    ...(input.singleUse ? { kw_single: true } : {}),
  })
    .setProtectedHeader({ alg: signer.record.alg, kid: signer.record.kid, typ: 'JWT' })
    .setIssuer(context.issuer)
    .setSubject(input.subject)
    .setAudience(input.audience)
    .setIssuedAt(nowS)
    .setNotBefore(nowS)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(signer.signKey);
  return { token, jti, kid: signer.record.kid, expiresAtMs: exp * 1000 };
}
