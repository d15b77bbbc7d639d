import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Environment } from '@keyward/protocol';
import type { SchemeVerifier } from '../credentials/authenticate.js';
import { KeywardError } from '../errors/keyward-error.js';
import { newId } from '../lib/ids.js';
import type { Keyring } from '../lib/sealed.js';
import type { Actor } from '../keys/service.js';
import { missingScope } from '../keys/scopes.js';
import type { JwtAlgorithm, SigningKeyRecord, TokenStore } from './store.js';

export interface MintInput {
  readonly appId: string;
  readonly environment: Environment;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly singleUse?: boolean;
  readonly alg?: JwtAlgorithm;
  /** Extra claims; may not override registered or Keyward claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface TokenClaims {
  readonly jti: string;
  readonly subject: string;
  readonly appId: string;
  readonly environment: Environment;
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly expiresAtMs: number;
  readonly singleUse: boolean;
  readonly extra: Readonly<Record<string, unknown>>;
}

export type TokenResult =
  | { readonly valid: true; readonly code: 'VALID'; readonly claims: TokenClaims }
  | { readonly valid: false; readonly code: 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_ALREADY_USED' | 'INSUFFICIENT_SCOPES'; readonly reason: string };

const RESERVED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'kw_app', 'kw_env', 'kw_single']);
/** Header parameters that would let a token choose its own verification key: always refused. */
const FORBIDDEN_HEADER_PARAMS = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256'];
const MAX_TOKEN_LENGTH = 8192;

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly publicKey: KeyObject;
  privateKey?: KeyObject;
}

/**
 * Short-lived JWTs (Ed25519 by default, ES256 on request) signed with keys Keyward generates,
 * seals and rotates, published at /.well-known/jwks.json.
 *
 * Verification pins the algorithm to the one recorded for the `kid` (never the header's), refuses
 * header parameters that point at keys (jku, x5u, jwk, x5c), checks exp/nbf/aud/iss with a small
 * tolerance, and consumes a single-use token's jti atomically — after everything else passed.
 * Reusable tokens that verified are cached until they expire.
 */
export class TokenService {
  private keys = new Map<string, LoadedKey>();
  private loadedAtMs = -Infinity;
  private readonly verified = new Map<string, { readonly claims: TokenClaims; readonly untilMs: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      readonly store: TokenStore;
      readonly keyring: Keyring;
      readonly now: () => number;
      readonly issuer: string;
      /** Longest TTL a token may be minted with (seconds); per-app caps may be lower. */
      readonly maxTtlSeconds: number;
      readonly clockToleranceSeconds?: number;
      readonly verifiedCacheMaxEntries?: number;
      /** How often to re-read signing keys (rotations by other nodes). */
      readonly keyRefreshIntervalMs?: number;
    },
  ) {
    this.timer = setInterval(() => void this.deps.store.pruneJtis(this.deps.now()).catch(() => {}), 60_000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private initialised: Promise<void> | undefined;

  /** Ensures an active key exists for each algorithm, on first use (so a CLI command never creates keys). */
  init(): Promise<void> {
    this.initialised ??= this.createMissingKeys({ actor: 'system', requestId: 'init' }).catch((err) => {
      this.initialised = undefined;
      throw err;
    });
    return this.initialised;
  }

  private async createMissingKeys(by: Actor): Promise<void> {
    await this.reload(true);
    for (const alg of ['EdDSA', 'ES256'] as const) {
      if (![...this.keys.values()].some((k) => k.record.alg === alg && k.record.state === 'active')) await this.rotate(alg, by);
    }
  }

  /** A new active key for `alg`; the previous one keeps verifying until every token it signed has expired. */
  async rotate(alg: JwtAlgorithm, by: Actor): Promise<SigningKeyRecord> {
    const now = this.deps.now();
    const kid = newId('jwk');
    const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = { ...(pair.publicKey.export({ format: 'jwk' }) as Record<string, string>), kid, alg, use: 'sig' };
    const privateJwk = JSON.stringify(pair.privateKey.export({ format: 'jwk' }));
    const record: SigningKeyRecord = { kid, alg, publicJwk, sealedPrivateJwk: this.deps.keyring.seal(privateJwk, `jwk:${kid}`), state: 'active', createdAtMs: now, retireAfterMs: null };
    await this.deps.store.rotateSigningKey(record, now + (this.deps.maxTtlSeconds + (this.deps.clockToleranceSeconds ?? 5)) * 1000, { ...by, action: 'signing_key.rotate', target: kid, data: { alg } });
    await this.deps.store.retireSigningKeys(now);
    await this.reload(true);
    return record;
  }

  /** The JWKS document: public parts only. */
  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    await this.init();
    await this.reload(false);
    return { keys: [...this.keys.values()].map((k) => ({ ...k.record.publicJwk })) };
  }

  async mint(input: MintInput): Promise<{ token: string; jti: string; expiresAtMs: number; kid: string }> {
    if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > this.deps.maxTtlSeconds) {
      throw new KeywardError('VALIDATION_FAILED', `ttlSeconds must be an integer from 1 to ${this.deps.maxTtlSeconds}`);
    }
    for (const k of Object.keys(input.claims ?? {})) if (RESERVED.has(k)) throw new KeywardError('VALIDATION_FAILED', `claim ${k} is set by Keyward`);
    await this.init();
    await this.reload(false);
    const alg = input.alg ?? 'EdDSA';
    const key = [...this.keys.values()].find((k) => k.record.alg === alg && k.record.state === 'active');
    if (!key) throw new KeywardError('STORE_UNAVAILABLE', `no active ${alg} signing key`);
    key.privateKey ??= createPrivateKey({ key: JSON.parse(this.deps.keyring.open(key.record.sealedPrivateJwk, `jwk:${key.record.kid}`).toString('utf8')), format: 'jwk' });
    const nowS = Math.floor(this.deps.now() / 1000);
    const jti = randomUUID();
    const token = await new SignJWT({ ...input.claims, scope: input.scopes.join(' '), kw_app: input.appId, kw_env: input.environment, ...(input.singleUse ? { kw_single: true } : {}) })
      .setProtectedHeader({ alg, kid: key.record.kid, typ: 'JWT' })
      .setIssuer(this.deps.issuer)
      .setSubject(input.subject)
      .setAudience(input.audience)
      .setIssuedAt(nowS)
      .setNotBefore(nowS)
      .setExpirationTime(nowS + input.ttlSeconds)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, expiresAtMs: (nowS + input.ttlSeconds) * 1000, kid: key.record.kid };
  }

  /**
   * Signs a document (not a credential) with the active EdDSA key, e.g. an app's certificate pin
   * set. `typ` keeps it from ever being accepted as an access token: `verify()` requires the
   * Keyward claims a document does not carry.
   */
  async signDocument(typ: string, claims: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    await this.init();
    await this.reload(false);
    const key = [...this.keys.values()].find((k) => k.record.alg === 'EdDSA' && k.record.state === 'active');
    if (!key) throw new KeywardError('STORE_UNAVAILABLE', 'no active EdDSA signing key');
    key.privateKey ??= createPrivateKey({ key: JSON.parse(this.deps.keyring.open(key.record.sealedPrivateJwk, `jwk:${key.record.kid}`).toString('utf8')), format: 'jwk' });
    const nowS = Math.floor(this.deps.now() / 1000);
    return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: key.record.kid, typ }).setIssuer(this.deps.issuer).setIssuedAt(nowS).setExpirationTime(nowS + ttlSeconds).sign(key.privateKey);
  }

  async verify(token: string, options: { audience?: string; appId?: string; environment?: string; requiredScopes?: readonly string[] } = {}): Promise<TokenResult> {
    const now = this.deps.now();
    const cached = this.verified.get(token);
    if (cached && cached.untilMs > now) return this.check(cached.claims, options);
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { valid: false, code: 'TOKEN_INVALID', reason: 'LENGTH' };
    // The key is chosen inside jose's key callback (one parse of the header): the kid must be one
    // of ours and the header's alg must equal the one recorded for that kid.
    let refusal: string | undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (header) => {
          for (const p of FORBIDDEN_HEADER_PARAMS) if (p in header) throw new TokenRefusal(`HEADER_${p.toUpperCase()}`);
          if (typeof header.kid !== 'string') throw new TokenRefusal('NO_KID');
          let key = this.keys.get(header.kid);
          if (!key && header.kid.startsWith('jwk_') && now - this.loadedAtMs > 1000) {
            await this.reload(true);
            key = this.keys.get(header.kid);
          }
          if (!key) throw new TokenRefusal('UNKNOWN_KID');
          if (header.alg !== key.record.alg) throw new TokenRefusal('ALG_NOT_PINNED_ALG');
          return key.publicKey;
        },
        {
          algorithms: ['EdDSA', 'ES256'],
          issuer: this.deps.issuer,
          ...(options.audience ? { audience: options.audience } : {}),
          currentDate: new Date(now),
          clockTolerance: this.deps.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'aud', 'kw_app', 'kw_env'],
        },
      ));
    } catch (err) {
      if (err instanceof TokenRefusal) refusal = err.reason;
      else if (err instanceof joseErrors.JWTExpired) return { valid: false, code: 'TOKEN_EXPIRED', reason: 'EXPIRED' };
      else refusal = (err as { code?: string }).code ?? 'VERIFY_FAILED';
      return { valid: false, code: 'TOKEN_INVALID', reason: refusal };
    }
    const claims = toClaims(payload);
    if (!claims) return { valid: false, code: 'TOKEN_INVALID', reason: 'CLAIMS' };
    const checked = this.check(claims, options);
    if (!checked.valid) return checked;
    if (claims.singleUse) {
      const consumed = await this.deps.store.consumeJti(claims.jti, claims.expiresAtMs + 60_000, now);
      if (consumed === 'already_used') return { valid: false, code: 'TOKEN_ALREADY_USED', reason: 'JTI_CONSUMED' };
    } else {
      if (this.verified.size >= (this.deps.verifiedCacheMaxEntries ?? 50_000)) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { claims, untilMs: claims.expiresAtMs });
    }
    return checked;
  }

  private check(claims: TokenClaims, options: { audience?: string; appId?: string; environment?: string; requiredScopes?: readonly string[] }): TokenResult {
    if (options.audience !== undefined && claims.audience !== options.audience) return { valid: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' };
    if (options.appId !== undefined && claims.appId !== options.appId) return { valid: false, code: 'TOKEN_INVALID', reason: 'OTHER_APP' };
    if (options.environment !== undefined && claims.environment !== options.environment) return { valid: false, code: 'TOKEN_INVALID', reason: 'OTHER_ENVIRONMENT' };
    if (options.requiredScopes?.length && missingScope(claims.scopes, options.requiredScopes) !== undefined) return { valid: false, code: 'INSUFFICIENT_SCOPES', reason: 'SCOPES' };
    return { valid: true, code: 'VALID', claims };
  }

  private async reload(force: boolean): Promise<void> {
    const now = this.deps.now();
    if (!force && now - this.loadedAtMs < (this.deps.keyRefreshIntervalMs ?? 30_000)) return;
    const records = await this.deps.store.listSigningKeys();
    const next = new Map<string, LoadedKey>();
    for (const r of records) {
      if (r.state === 'published' && r.retireAfterMs !== null && r.retireAfterMs <= now) continue;
      const existing = this.keys.get(r.kid);
      next.set(r.kid, existing && existing.record.state === r.state ? existing : { record: r, publicKey: createPublicKey({ key: r.publicJwk as never, format: 'jwk' }), ...(existing?.privateKey ? { privateKey: existing.privateKey } : {}) });
    }
    this.keys = next;
    this.loadedAtMs = now;
  }

  /** Tokens as a credential scheme for `authenticate()` (Authorization: Bearer eyJ…). */
  scheme(audience?: string): SchemeVerifier<string> {
    return async (token, context) => {
      const r = await this.verify(token, { ...(audience ? { audience } : {}), ...context });
      if (!r.valid) return { valid: false, code: r.code, reason: r.reason };
      const c = r.claims;
      return { valid: true, code: 'VALID', caller: { scheme: 'token', kind: 'token', id: c.jti, appId: c.appId, environment: c.environment, subject: c.subject, scopes: c.scopes, signed: false, session: false, attested: c.extra.kw_attested === true } };
    };
  }
}

/** A "no" decided inside jose's key callback, carried out as an exception only to stop jose. */
class TokenRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function toClaims(p: JWTPayload): TokenClaims | undefined {
  const env = p.kw_env;
  if (typeof p.jti !== 'string' || typeof p.sub !== 'string' || typeof p.kw_app !== 'string' || (env !== 'live' && env !== 'test') || typeof p.exp !== 'number') return undefined;
  const aud = Array.isArray(p.aud) ? p.aud[0] : p.aud;
  if (typeof aud !== 'string') return undefined;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (!RESERVED.has(k)) extra[k] = v;
  return {
    jti: p.jti,
    subject: p.sub,
    appId: p.kw_app,
    environment: env,
    scopes: typeof p.scope === 'string' && p.scope.length > 0 ? p.scope.split(' ') : [],
    audience: aud,
    expiresAtMs: p.exp * 1000,
    singleUse: p.kw_single === true,
    extra,
  };
}
