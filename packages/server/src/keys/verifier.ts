import { keyStatus } from '@keyward/protocol';
import type { KeyCache } from '../cache/key-cache.js';
import type { Mutable } from '../lib/mutable.js';
import { digestsEqual, sha256Hex } from '../lib/crypto.js';
import type { Store } from '../store/types.js';
import { decideKey, deny, type DenyReason, type KeyDecision, type VerifyRequirements } from './decide.js';
import type { KeyRateLimit, KeyRecord } from './model.js';
import type { UsageRecorder } from './usage.js';
import { limitKey, type RateLimitStore } from '../ratelimit/store.js';
import type { PolicyState } from '../ratelimit/headers.js';
import { creditsPolicy, gcraPolicy, IDENTITY_POLICY, KEY_POLICY, ratePolicy } from '../credentials/budgets.js';

export interface KeyVerifierDeps {
  readonly store: Pick<Store, 'findKeyByHash' | 'spendKeyCredits'>;
  readonly cache: KeyCache;
  readonly usage: UsageRecorder;
  readonly now: () => number;
  /** Told about every refusal with its precise reason (metrics, rate-limited audit). Must not throw. */
  readonly onDecision?: (decision: KeyDecision) => void;
  /** Where per-key rate limits are counted (memory on one node). */
  readonly limits?: RateLimitStore;
}

/**
 * The scope part of a key's own rate-limit bucket (`rate:key:own:<keyId>`). Not one of the access
 * map's scopes (credential, subject, app, ip), so no map limit — not even one named `key` and
 * counted by credential, on the same store — can share this bucket.
 */
const OWN_LIMIT_SCOPE = 'own';

/** A rate limit's state: calls left in the burst now, and ms until the bucket is full again. */
export interface LimitNow {
  readonly remaining: number;
  readonly resetMs: number;
}

/**
 * The verification hot path: checksum → hash → cache (or one store read) → pure decision.
 * One SHA-256 per call is the floor; everything else here is a few map lookups.
 */
export class KeyVerifier {
  constructor(private readonly deps: KeyVerifierDeps) {}

  /**
   * Synchronous when the answer needs no I/O (a cached key without a rate limit or credits, or a
   * malformed one): the hot path then allocates no promise. Callers simply `await` the result.
   */
  verify(presented: string, req: VerifyRequirements = {}): KeyDecision | Promise<KeyDecision> {
    const digest = this.digest(presented);
    return typeof digest === 'string' ? this.verifyDigest(digest, req) : digest;
  }

  /** The SHA-256 (hex) of a well-formed key, or the reported refusal of a malformed one (format and CRC checked first). */
  digest(presented: string): string | KeyDecision {
    const status = keyStatus(presented);
    if (status !== 'OK') return this.report(deny(status === 'CHECKSUM' ? 'BAD_CHECKSUM' : 'MALFORMED'));
    return sha256Hex(presented);
  }

  /**
   * `verify` for a credential whose format was already checked and whose SHA-256 (hex) is known:
   * the HTTP layer remembers the digest of the credential a connection presented last
   * (http/auth.ts), so a backend calling with the same key over keep-alive hashes it once. Every
   * check after the hash — cache or store, revocation, the whole decision — runs as in `verify`.
   */
  verifyDigest(hash: string, req: VerifyRequirements = {}): KeyDecision | Promise<KeyDecision> {
    // One clock read for the cache's expiry, the decision and the usage record of a cached key.
    const nowMs = this.deps.now();
    const found = this.deps.cache.get(hash, nowMs);
    if (found === undefined) return this.verifyUncached(hash, req);
    return this.finish(found ?? undefined, req, nowMs);
  }

  private async verifyUncached(hash: string, req: VerifyRequirements): Promise<KeyDecision> {
    const { cache } = this.deps;
    const generation = cache.beginLoad();
    let found = (await this.deps.store.findKeyByHash(hash)) ?? null;
    // The store looked the hash up through its index; compare again in constant time so a
    // store whose comparison is looser than byte equality (collation, case folding) cannot
    // match a different hash. Cache hits are keyed by the exact hash string already.
    if (found && !digestsEqual(found.secret.hash, hash)) found = null;
    cache.set(hash, found, generation);
    return this.finish(found ?? undefined, req, this.deps.now());
  }

  private finish(found: Parameters<typeof decideKey>[0], req: VerifyRequirements, nowMs: number): KeyDecision | Promise<KeyDecision> {
    const decision = decideKey(found, req, nowMs);
    if (decision.valid && (((decision.key.ratelimit || decision.key.identity?.ratelimit) && this.deps.limits) || (isMetered(decision.key) && !req.deferCredits))) return this.limitAndSpend(decision, req);
    if (decision.valid) this.deps.usage.record(decision.key.id, nowMs);
    return this.report(decision);
  }

  /**
   * The checks that need a store: the key's own rate limit, then its identity's (one limit shared
   * by every key of the identity), then the credits of both (spent last, together).
   */
  private async limitAndSpend(valid: Extract<KeyDecision, { valid: true }>, req: VerifyRequirements): Promise<KeyDecision> {
    let decision: KeyDecision = valid;
    // What each limit said, for the RateLimit headers of the gateway and middlewares.
    const policies: PolicyState[] = [];
    const rl = valid.key.ratelimit;
    if (rl && this.deps.limits) {
      const limited = await this.deps.limits.consume(limitKey('rate', 'key', OWN_LIMIT_SCOPE, valid.key.id), { rate: rl.rate, windowMs: rl.windowSeconds * 1000, burst: rl.burst }, this.deps.now(), 1);
      policies.push(gcraPolicy(KEY_POLICY, rl, limited));
      if (!limited.allowed) decision = { valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', key: valid.key, retryAfterMs: limited.retryAfterMs };
    }
    const shared = valid.key.identity?.ratelimit;
    if (shared && this.deps.limits) {
      if (decision.valid) {
        const limited = await this.deps.limits.consume(limitKey('rate', 'identity', 'credential', valid.key.identity!.id), { rate: shared.rate, windowMs: shared.windowSeconds * 1000, burst: shared.burst }, this.deps.now(), 1);
        policies.push(gcraPolicy(IDENTITY_POLICY, shared, limited));
        if (!limited.allowed) decision = { valid: false, code: 'RATE_LIMITED', reason: 'IDENTITY_RATE_LIMIT', key: valid.key, retryAfterMs: limited.retryAfterMs };
      } else policies.push(ratePolicy(IDENTITY_POLICY, shared));
    }
    // A refused call spends no credits; they are still one of its policies.
    if (!decision.valid && valid.key.credits) policies.push(creditsPolicy(valid.key.credits, this.deps.now()));
    if (decision.valid && isMetered(decision.key) && !req.deferCredits) decision = await this.spend(decision, req.cost ?? 1);
    if (decision.valid) this.deps.usage.record(decision.key.id, this.deps.now());
    if (policies.length > 0) decision = { ...decision, policies };
    return this.report(decision);
  }

  /**
   * Where a key's own rate limit and its identity's stand now, read without spending: a GCRA step
   * of cost 0 moves nothing (its stored arrival time becomes max(tat, now), the same state). The
   * limiter keys are the ones `limitAndSpend` uses, so the answer is the bucket calls spend from.
   */
  async limitState(keyId: string, own: KeyRateLimit | null | undefined, identity?: { readonly id: string; readonly ratelimit: KeyRateLimit | null }): Promise<{ readonly key: LimitNow | null; readonly identity: LimitNow | null }> {
    const read = async (key: string, rl: KeyRateLimit | null | undefined): Promise<LimitNow | null> => {
      if (!rl || !this.deps.limits) return null;
      const d = await this.deps.limits.consume(key, { rate: rl.rate, windowMs: rl.windowSeconds * 1000, burst: rl.burst }, this.deps.now(), 0);
      return { remaining: d.remaining, resetMs: d.resetMs };
    };
    return {
      key: await read(limitKey('rate', 'key', OWN_LIMIT_SCOPE, keyId), own),
      identity: identity ? await read(limitKey('rate', 'identity', 'credential', identity.id), identity.ratelimit) : null,
    };
  }

  /**
   * Spends `cost` credits of a metered key whose verification deferred the spend
   * (`deferCredits`): the middleware calls this only once the access map, its own authorizer and
   * the rate limits allowed the call, so a refused call costs nothing. One atomic store step
   * (`Store.spendKeyCredits`). An exhausted balance is USAGE_EXCEEDED with the wait until the next
   * refill (none for a one-off allowance); a key deleted since it was verified is
   * INVALID_CREDENTIAL; a key whose credits were removed meanwhile passes (it is unmetered now).
   */
  async spendDeferred(keyId: string, cost: number): Promise<DeferredSpend> {
    const now = this.deps.now();
    const spent = await this.deps.store.spendKeyCredits(keyId, cost, now);
    switch (spent.outcome) {
      case 'spent':
        return { ok: true, remaining: spent.remaining, resetAtMs: spent.resetAtMs };
      case 'unmetered':
        return { ok: true };
      case 'not_found':
        return { ok: false, code: 'INVALID_CREDENTIAL' };
      case 'exhausted':
        return spent.resetAtMs === null ? { ok: false, code: 'USAGE_EXCEEDED', remaining: spent.remaining, resetAtMs: null } : { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: Math.max(0, spent.resetAtMs - now), remaining: spent.remaining, resetAtMs: spent.resetAtMs };
    }
  }

  /** Spends a metered key's credits, last: a call refused for any other reason spends nothing. */
  private async spend(decision: Extract<KeyDecision, { valid: true }>, cost: number): Promise<KeyDecision> {
    const spent = await this.deps.store.spendKeyCredits(decision.key.id, cost, this.deps.now());
    if (spent.outcome === 'not_found') return deny('NOT_FOUND');
    if (spent.outcome === 'unmetered') return decision;
    if (spent.outcome === 'exhausted') {
      const denied: KeyDecision = { valid: false, code: 'USAGE_EXCEEDED', reason: decision.key.credits ? 'CREDITS_EXHAUSTED' : 'IDENTITY_CREDITS_EXHAUSTED', key: decision.key };
      return spent.resetAtMs === null ? denied : { ...denied, retryAfterMs: Math.max(0, spent.resetAtMs - this.deps.now()) };
    }
    // A key without credits of its own reports its identity's shared balance.
    return { ...decision, creditsRemaining: spent.remaining };
  }

  private report(decision: KeyDecision): KeyDecision {
    this.deps.onDecision?.(decision);
    return decision;
  }
}

/** A verification spends credits: the key's own, its identity's, or both. */
export function isMetered(key: KeyRecord): boolean {
  return Boolean(key.credits) || Boolean(key.identity?.metered);
}

/** The outcome of {@link KeyVerifier.spendDeferred}: a refusal is a value, a broken store throws. */
export type DeferredSpend =
  | { readonly ok: true; readonly remaining?: number; readonly resetAtMs?: number | null }
  | { readonly ok: false; readonly code: 'USAGE_EXCEEDED' | 'INVALID_CREDENTIAL'; readonly retryAfterMs?: number; readonly remaining?: number; readonly resetAtMs?: number | null };

/** The caller-facing shape of a key verification (HTTP verify endpoint, SDK, middleware). */
export interface KeyVerificationView {
  readonly valid: boolean;
  readonly code: KeyDecision['code'];
  readonly keyId?: string;
  readonly appId?: string | null;
  readonly kind?: KeyRecord['kind'];
  readonly environment?: KeyRecord['environment'];
  readonly scopes?: readonly string[];
  readonly subject?: string | null;
  readonly meta?: KeyRecord['meta'];
  readonly expiresAtMs?: number | null;
  /** Metered keys: credits left after this call. */
  readonly creditsRemaining?: number;
  /** RATE_LIMITED / USAGE_EXCEEDED: when the key may call again, milliseconds from now. */
  readonly retryAfterMs?: number;
  /** The key's identity, when it has one. */
  readonly identity?: { readonly id: string; readonly externalId: string; readonly meta: Readonly<Record<string, unknown>> };
}

/**
 * What a caller may see. A refusal that maps to INVALID_CREDENTIAL carries nothing but the code,
 * so an unknown, revoked and wrong-environment key give byte-identical answers. Other refusals
 * (expired, disabled, missing scope) are only reachable with the real secret, so naming the key
 * tells the holder nothing new.
 */
export function toView(decision: KeyDecision): KeyVerificationView {
  if (decision.valid) {
    const k = decision.key;
    const view: Mutable<KeyVerificationView> = {
      valid: true,
      code: 'VALID',
      keyId: k.id,
      appId: k.appId,
      kind: k.kind,
      environment: k.environment,
      scopes: decision.scopes,
      subject: decision.subject,
      meta: k.meta,
      expiresAtMs: k.expiresAtMs,
    };
    if (decision.creditsRemaining !== undefined) view.creditsRemaining = decision.creditsRemaining;
    if (k.identity) view.identity = { id: k.identity.id, externalId: k.identity.externalId, meta: k.identity.meta };
    return view;
  }
  if (decision.code === 'INVALID_CREDENTIAL' || !decision.key) return { valid: false, code: decision.code };
  if (decision.retryAfterMs !== undefined) return { valid: false, code: decision.code, keyId: decision.key.id, retryAfterMs: decision.retryAfterMs };
  return { valid: false, code: decision.code, keyId: decision.key.id };
}

export type { DenyReason };
