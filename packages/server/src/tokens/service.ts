import { SignJWT } from 'jose';
import type { SchemeVerifier } from '../credentials/authenticate.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { Actor } from '../keys/service.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Keyring } from '../lib/sealed.js';
import { checkClaims, deny, type TokenExpectations, type TokenResult } from './claims.js';
import { signToken, validateMintInput, type MintedToken, type MintInput } from './mint.js';
import { DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS, signingKeyFor, signingKeySchedule, type SigningKeyScheduleEntry } from './lifecycle.js';
import { generateSigningKey, resealSigningKeys, SigningKeys } from './signing-keys.js';
import { JWT_ALGORITHMS, type JwtAlgorithm, type RevokedToken, type SigningKeyRecord, type SigningKeyState, type TokenStore } from './store.js';
import { VerifiedTokenCache } from './verified-cache.js';
import { ALL_TOKENS, RevokedTokens } from './revoked.js';
import { verifySignedToken } from './verify.js';

export interface TokenServiceOptions {
  readonly store: TokenStore;
  /** Seals private signing keys (associated data `jwk:<kid>`). */
  readonly keyring: Keyring;
  /** Milliseconds since the epoch; tests pass a frozen clock. Default: Date.now. */
  readonly now?: Clock;
  /** `iss` of every token minted, and the only one accepted. Default `keyward`. */
  readonly issuer?: string;
  /**
   * The longest TTL any token may have, seconds (1 to 604,800; default 3600). Per-app caps from
   * `appMaxTtlSeconds` may only lower it. Old keys stay published at least this long.
   */
  readonly maxTtlSeconds?: number;
  /** The app's own cap (e.g. its `maxTokenTtlSeconds` setting), seconds; undefined means the server cap. */
  readonly appMaxTtlSeconds?: (appId: string) => Promise<number | undefined> | number | undefined;
  /** Leeway for exp/nbf/iat between minting and verifying clocks, seconds (0 to 300; default 5). */
  readonly clockToleranceSeconds?: number;
  /** Verified reusable tokens kept in memory (default 10,000; 0 disables the cache). */
  readonly verifiedCacheMaxEntries?: number;
  /** How often signing keys are re-read for minting and the JWKS (rotations by other nodes), ms (default 30,000). */
  readonly keyRefreshIntervalMs?: number;
  /**
   * How long a rotated key is published (in the JWKS, verifying) before it signs, seconds (0 to
   * 86,400; default 360, the JWKS max-age plus a minute). Verifiers that cache the JWKS (for up to
   * its max-age) thus hold the new key before any token names it. 0 signs at once, as does the
   * first key of an algorithm and `rotate(…, {immediate: true})`. Keep it at least the JWKS
   * max-age plus `keyRefreshIntervalMs`.
   */
  readonly signingKeyPublishDelaySeconds?: number;
  /** How often spent jtis are pruned, due keys activated and expired keys retired, ms (default 60,000; 0 disables). */
  readonly maintenanceIntervalMs?: number;
  /** Background maintenance failures (the next run retries). Default: ignored. */
  readonly onError?: (err: unknown) => void;
}

/** A signing key as shown outside the service: never the sealed private part. */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly state: SigningKeyState;
  readonly createdAtMs: number;
  /** When it signs (or signed) from, ms since the epoch: later than `createdAtMs` for a key published first. */
  readonly activatesAtMs: number;
}

/** How a rotation replaces the current signing key. */
export interface RotateOptions {
  /**
   * Sign with the new key at once instead of publishing it first: for a leaked private key.
   * Verifiers that cached the JWKS refuse its tokens until they refetch (up to the JWKS max-age;
   * jose's remote JWKS refetches on an unknown kid). Any pending key of the algorithm is demoted
   * with the active one, so nothing scheduled earlier takes over from the emergency key.
   */
  readonly immediate?: boolean;
  /**
   * With `immediate` only: the replaced keys stop verifying at once (their tokens are refused)
   * instead of at their retirement. Other nodes stop within `keyRefreshIntervalMs`.
   */
  readonly revokePrevious?: boolean;
}

const info = (r: SigningKeyRecord): SigningKeyInfo => ({ kid: r.kid, alg: r.alg, state: r.state, createdAtMs: r.createdAtMs, activatesAtMs: r.activatesAtMs });

const SYSTEM: Actor = { actor: 'system', requestId: 'system' };

function int(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new TypeError(`TokenService option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return v;
}

/**
 * Short-lived JWTs (Ed25519 by default, ES256 on request) signed with keys Keyward generates,
 * seals and rotates, and publishes at /.well-known/jwks.json. Built once at start-up; knows
 * nothing about HTTP.
 */
export class TokenService {
  private readonly store: TokenStore;
  private readonly now: Clock;
  private readonly issuer: string;
  private readonly maxTtlSeconds: number;
  private readonly toleranceSeconds: number;
  private readonly refreshIntervalMs: number;
  private readonly publishDelayMs: number;
  private readonly keys: SigningKeys;
  private readonly cache: VerifiedTokenCache;
  private readonly revoked: RevokedTokens;
  private readonly timer: NodeJS.Timeout | undefined;
  private initialised: Promise<void> | undefined;

  constructor(private readonly options: TokenServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? systemClock;
    this.issuer = options.issuer ?? 'keyward';
    if (typeof this.issuer !== 'string' || this.issuer.length === 0) throw new TypeError('TokenService option issuer must be a non-empty string');
    this.maxTtlSeconds = int('maxTtlSeconds', options.maxTtlSeconds, 3600, 1, 7 * 86_400);
    this.toleranceSeconds = int('clockToleranceSeconds', options.clockToleranceSeconds, 5, 0, 300);
    this.refreshIntervalMs = int('keyRefreshIntervalMs', options.keyRefreshIntervalMs, 30_000, 0, 3_600_000);
    this.publishDelayMs = int('signingKeyPublishDelaySeconds', options.signingKeyPublishDelaySeconds, DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS, 0, 86_400) * 1000;
    this.cache = new VerifiedTokenCache(int('verifiedCacheMaxEntries', options.verifiedCacheMaxEntries, 10_000, 0, 10_000_000));
    this.revoked = new RevokedTokens(this.store, this.now);
    this.keys = new SigningKeys({ store: this.store, keyring: options.keyring, now: this.now, refreshIntervalMs: this.refreshIntervalMs });
    const maintenanceMs = int('maintenanceIntervalMs', options.maintenanceIntervalMs, 60_000, 0, 86_400_000);
    if (maintenanceMs > 0) {
      this.timer = setInterval(() => void this.maintain().catch((err) => options.onError?.(err)), maintenanceMs);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * The signing keys changed in the store (another process rotated or retired one: the change
   * feed, keyward.ts): re-read them now rather than at the next refresh interval, then drop the
   * verified-token cache so no token is answered from a key view older than the change.
   */
  async signingKeysChanged(): Promise<void> {
    await this.keys.refresh(true);
    this.cache.clear();
  }

  /**
   * A token id was revoked (the change feed: this process or another one on the store). Every
   * verification after this resolves refuses it, cached or not.
   */
  async tokenRevoked(jti: string): Promise<void> {
    await this.revoked.changed(jti);
  }

  /** How long a revocation must be kept, ms: until no token it refuses could be accepted anyway. */
  revocationLifetimeMs(): number {
    return (this.maxTtlSeconds + this.toleranceSeconds) * 1000 + 1000;
  }

  /** Any number of revocations may have changed (an unknown change kind): re-read them all. */
  async revocationsChanged(): Promise<void> {
    await this.revoked.reload();
  }

  /**
   * Revokes a token by its jti for one app and environment (tokens are not stored: the revocation
   * is, until no token of that jti could still be accepted, i.e. the longest TTL plus the clock
   * tolerance from now). Atomic with its audit record (`token.revoke`); revoking again changes
   * nothing. Every process on the store refuses the token from its next change-feed read
   * (`changePollIntervalMs`, or at once with PostgreSQL NOTIFY); this one at once.
   */
  async revoke(input: { readonly jti: string; readonly appId: string; readonly environment: string; readonly reason?: string }, by: Actor): Promise<{ readonly revocation: RevokedToken; readonly alreadyRevoked: boolean }> {
    if (input.jti === ALL_TOKENS) throw new KeywardError('VALIDATION_FAILED', 'not a jti', { errors: [{ pointer: '/jti', message: 'the jti claim of one token' }] });
    const nowMs = this.now();
    const revocation: RevokedToken = {
      jti: input.jti,
      appId: input.appId,
      environment: input.environment,
      reason: input.reason ?? null,
      revokedAtMs: nowMs,
      expiresAtMs: nowMs + this.revocationLifetimeMs(),
    };
    const data = { appId: input.appId, environment: input.environment, ...(input.reason !== undefined ? { reason: input.reason } : {}) };
    const r = await this.store.revokeToken(revocation, { actor: by.actor, requestId: by.requestId, action: 'token.revoke', target: input.jti, data });
    if (r.outcome === 'revoked') this.revoked.add(revocation);
    return { revocation: r.revocation, alreadyRevoked: r.outcome === 'already_revoked' };
  }

  /** Tokens currently in the verified-token cache (for metrics). */
  get cachedTokens(): number {
    return this.cache.size;
  }

  /** Ensures a signing key per algorithm, on first use (so a read-only CLI command never creates keys). */
  init(): Promise<void> {
    this.initialised ??= this.createMissingKeys().catch((err) => {
      this.initialised = undefined;
      throw err;
    });
    return this.initialised;
  }

  private async createMissingKeys(): Promise<void> {
    await this.keys.refresh(true);
    for (const alg of JWT_ALGORITHMS) {
      if (this.keys.canSign(alg, this.now())) continue;
      try {
        await this.rotate(alg, SYSTEM); // nothing signs yet: the new key signs at once
      } catch (err) {
        // Another node created it first (the one-active-key index refused ours): use theirs.
        await this.keys.refresh(true);
        if (!this.keys.canSign(alg, this.now())) throw err;
      }
    }
  }

  /**
   * How long a replaced key keeps verifying after its successor starts signing, ms: the longest
   * TTL, plus the clock tolerance, plus one key-refresh interval (a node that has not re-read the
   * keys may sign with the old one that much longer).
   */
  private overlapMs(): number {
    return (this.maxTtlSeconds + this.toleranceSeconds) * 1000 + this.refreshIntervalMs;
  }

  /**
   * A new signing key for `alg`, published first: it is `pending` (in the JWKS, verifying) and
   * signs from `activatesAtMs = now + signingKeyPublishDelaySeconds`; from then the previous key
   * only verifies, until every token it can have signed has expired (`overlapMs` after the
   * switch). The first key of an algorithm, a zero delay and `immediate` sign at once.
   * Throws CONFLICT while another rotation of `alg` is pending (the store's one-pending-key rule),
   * and VALIDATION_FAILED for `revokePrevious` without `immediate`.
   * Atomic with its audit record; due keys are activated first and keys past their retirement
   * retired after, in the same call.
   */
  async rotate(alg: JwtAlgorithm, by: Actor, options: RotateOptions = {}): Promise<SigningKeyInfo> {
    if (options.revokePrevious && !options.immediate) {
      throw new KeywardError('VALIDATION_FAILED', 'revokePrevious needs immediate', { errors: [{ pointer: '/revokePrevious', message: 'only with immediate: true' }] });
    }
    const nowMs = this.now();
    // Record any activation that is due, so a pending key whose time has come is not mistaken
    // for a rotation still pending.
    await this.store.activateSigningKeys(nowMs, this.overlapMs(), by);
    const signsNow = signingKeyFor(await this.store.listSigningKeys(), alg, nowMs) !== undefined;
    let record: SigningKeyRecord;
    if (options.immediate || !signsNow || this.publishDelayMs === 0) {
      record = generateSigningKey(alg, this.options.keyring, nowMs);
      const retireAfterMs = options.revokePrevious ? nowMs : nowMs + this.overlapMs();
      const data = { alg, immediate: true, revokePrevious: options.revokePrevious === true, demotedRetireAfterMs: retireAfterMs };
      await this.store.rotateSigningKey(record, retireAfterMs, { ...by, action: 'signing_key.rotate', target: record.kid, data });
    } else {
      record = generateSigningKey(alg, this.options.keyring, nowMs, nowMs + this.publishDelayMs);
      const data = { alg, immediate: false, activatesAtMs: record.activatesAtMs };
      if ((await this.store.publishSigningKey(record, { ...by, action: 'signing_key.rotate', target: record.kid, data })) === 'pending_exists') {
        throw new KeywardError('CONFLICT', `a rotation of the ${alg} signing key is already pending; wait for it to activate, or rotate with immediate`);
      }
    }
    await this.store.retireSigningKeys(nowMs, by);
    await this.keys.refresh(true);
    return info(record);
  }

  /** Master-key rotation: re-seals every signing key's private half under the active master key (signing-keys.ts). */
  reseal(by: Actor, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
    return resealSigningKeys(this.store, this.options.keyring, this.now, by, onProgress);
  }

  /** Prunes spent jtis, records due activations and retires keys past their retirement time. Runs on a timer; callable directly. */
  async maintain(): Promise<void> {
    const nowMs = this.now();
    await this.store.pruneJtis(nowMs);
    await this.store.pruneRevokedTokens(nowMs);
    await this.revoked.reload();
    const activated = await this.store.activateSigningKeys(nowMs, this.overlapMs(), SYSTEM);
    const retired = await this.store.retireSigningKeys(nowMs, SYSTEM);
    if (activated.length || retired.length) await this.keys.refresh(true);
  }

  /**
   * Every signing key with its publish-first schedule (published, activates, retires; which signs
   * and which verify now), newest first. Creates the first keys like `jwks()` does.
   */
  async schedule(): Promise<SigningKeyScheduleEntry[]> {
    await this.init();
    return signingKeySchedule(await this.store.listSigningKeys(), this.now());
  }

  /** The JWKS document: public parts of every key that verifies tokens now, pending keys included. */
  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    await this.init();
    await this.keys.refresh(false);
    return this.keys.jwks(this.now());
  }

  /** Mints a token. Throws VALIDATION_FAILED (naming the field) for bad input or a TTL over the app's cap. */
  async mint(input: MintInput): Promise<MintedToken> {
    // Only mintAppToken names an instance: an app token is issued by the attestation flow alone.
    if (input?.claims && Object.hasOwn(input.claims, 'kw_instance')) throw new KeywardError('VALIDATION_FAILED', 'claim kw_instance is reserved', { errors: [{ pointer: '/claims/kw_instance', message: 'set by the attestation flow' }] });
    const appCap = typeof input?.appId === 'string' ? await this.options.appMaxTtlSeconds?.(input.appId) : undefined;
    validateMintInput(input, Math.min(this.maxTtlSeconds, appCap ?? Infinity, input.ttlCapSeconds ?? Infinity));
    const signer = await this.signer(input.alg ?? 'EdDSA');
    return signToken(signer, input, { issuer: this.issuer, nowMs: this.now() });
  }

  /**
   * Mints an app token for an attested instance (attestation/flow.ts): like `mint`, but bounded by
   * the server's cap only, since its lifetime is the app's attestation setting (minutes to days)
   * rather than the backend-token cap `maxTokenTtlSeconds`.
   */
  async mintAppToken(input: MintInput): Promise<MintedToken> {
    validateMintInput(input, this.maxTtlSeconds);
    const signer = await this.signer(input.alg ?? 'EdDSA');
    return signToken(signer, input, { issuer: this.issuer, nowMs: this.now() });
  }

  /**
   * Signs a document (not a credential) with the current EdDSA signing key, e.g. an app's certificate pin
   * set. Its `typ` is never `JWT` and it lacks the Keyward claims, so `verify()` refuses it.
   */
  async signDocument(typ: string, claims: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    if (typ.toUpperCase() === 'JWT') throw new TypeError('a document typ must not be JWT');
    const signer = await this.signer('EdDSA');
    const nowS = Math.floor(this.now() / 1000);
    return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: signer.record.kid, typ }).setIssuer(this.issuer).setIssuedAt(nowS).setExpirationTime(nowS + ttlSeconds).sign(signer.signKey);
  }

  /** The kid `signDocument` signs with now: a cache of signed documents keys on it, so a key rotation re-signs them. */
  async documentSignerKid(): Promise<string> {
    return (await this.signer('EdDSA')).record.kid;
  }

  private async signer(alg: JwtAlgorithm) {
    await this.init();
    const signer = await this.keys.signer(alg);
    if (!signer) throw new KeywardError('STORE_UNAVAILABLE', `no ${alg} signing key signs now`);
    return signer;
  }

  /**
   * Verifies a token: `{valid: true, code: 'VALID', claims}` or `{valid: false, code, reason}`
   * for anything forged, expired, spent or not meant for this verifier. Throws only when the
   * store fails. Order: revocations loaded (once) → cache → strict compact form → header (alg/kid/typ only, an alg we sign
   * with, typ JWT) → key by kid, looked up locally, alg pinned to the kid's → signature (jose,
   * `algorithms: [pinned]`) → iss, exp, nbf, iat, aud, required claims → audience, app,
   * environment, scopes → revoked jti → single use.
   * A single-use token's jti is consumed last, so a forged or misdirected copy cannot burn it.
   */
  async verify(token: string, expect: TokenExpectations = {}): Promise<TokenResult> {
    // Fail closed: no answer before this process knows every revocation (once, at first use).
    if (!this.revoked.isReady) await this.revoked.ready();
    const nowMs = this.now();
    const cached = this.cache.get(token, nowMs);
    if (cached) {
      if (this.keys.lookup(cached.kid, nowMs)) {
        const decided = checkClaims(cached, expect);
        return decided.valid && this.revoked.has(cached.jti, cached.appId, cached.environment, nowMs) ? deny('TOKEN_INVALID', 'REVOKED') : decided;
      }
      this.cache.delete(token);
    }
    const signed = await verifySignedToken(token, this.keys, {
      issuer: this.issuer,
      clockToleranceSeconds: this.toleranceSeconds,
      maxTtlSeconds: this.maxTtlSeconds,
      nowMs,
      ...(expect.audience !== undefined ? { audience: expect.audience } : {}),
    });
    if (!signed.valid) return signed;
    const decided = checkClaims(signed.claims, expect);
    if (!decided.valid) return decided;
    const claims = signed.claims;
    // After every other check (a forged or misdirected token learns nothing from it), and before
    // a single-use token's jti is consumed.
    if (this.revoked.has(claims.jti, claims.appId, claims.environment, nowMs)) return deny('TOKEN_INVALID', 'REVOKED');
    if (claims.singleUse) {
      // Kept until the token could no longer be accepted anyway (exp + tolerance), then pruned.
      const keepUntilMs = claims.expiresAtMs + this.toleranceSeconds * 1000 + 1000;
      if ((await this.store.consumeJti(claims.jti, keepUntilMs, nowMs)) === 'already_used') return deny('TOKEN_ALREADY_USED', 'JTI_CONSUMED');
    } else {
      this.cache.set(token, claims, claims.expiresAtMs, nowMs);
    }
    return decided;
  }

  /** Tokens as a credential scheme for `authenticate()` (Authorization: Bearer eyJ…). */
  scheme(audience?: string): SchemeVerifier<string> {
    return async (token, context) => {
      const r = await this.verify(token, { ...(audience ? { audience } : {}), ...context });
      if (!r.valid) return { valid: false, code: r.code, reason: r.reason };
      const c = r.claims;
      // Identity tokens the gateway hands to upstreams describe a caller; they are never credentials.
      if (c.extra.kw_credential !== undefined) return { valid: false, code: 'TOKEN_INVALID', reason: 'IDENTITY_TOKEN_AS_CREDENTIAL' };
      // An app token (attestation/flow.ts) names its attested instance; only Keyward mints those claims.
      const instance = c.extra.kw_instance;
      if (typeof instance === 'string' && c.extra.kw_attested === true) {
        return { valid: true, code: 'VALID', caller: { scheme: 'token', kind: 'app-token', id: c.jti, appId: c.appId, environment: c.environment, subject: c.subject, scopes: c.scopes, signed: false, session: false, attested: true, instanceId: instance, audience: c.audience } };
      }
      return { valid: true, code: 'VALID', caller: { scheme: 'token', kind: 'token', id: c.jti, appId: c.appId, environment: c.environment, subject: c.subject, scopes: c.scopes, signed: false, session: false, attested: false, audience: c.audience } };
    };
  }
}

/** Builds the token service once at start-up; validates every option (TypeError naming the option). */
export function createTokenService(options: TokenServiceOptions): TokenService {
  return new TokenService(options);
}
