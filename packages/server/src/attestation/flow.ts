import { randomBytes } from 'node:crypto';
import type { Environment } from '../keys/model.js';
import type { Actor } from '../keys/service.js';
import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import type { SingleUseStore } from '../state/single-use.js';
import type { TokenService } from '../tokens/service.js';
import type { AttestationSettings } from './settings.js';
import type { AppInstance } from './model.js';
import type { AttestationFailureCode, AttestationPayload, AttestationPlatform } from './provider.js';
import type { AttestationStore } from './store.js';
import type { VerifierRegistry } from './verifiers-registry.js';

/** The audience of every app token: they are for Keyward's gateway and middleware, not one upstream service. */
export const APP_TOKEN_AUDIENCE = 'keyward:app';
const CHALLENGE_PREFIX = 'attest-challenge:';

export type AttestOutcome =
  | { readonly ok: true; readonly instance: AppInstance; readonly appToken: string; readonly expiresAtMs: number }
  | { readonly ok: false; readonly code: AttestationFailureCode | 'ATTESTATION_QUOTA'; readonly reason: string; readonly retryAfterMs?: number };

export interface AttestationFlowDeps {
  readonly store: AttestationStore;
  /** Challenges live here: single-use across every node (state/single-use.ts). */
  readonly singleUse: SingleUseStore;
  readonly tokens: Pick<TokenService, 'mintAppToken'>;
  readonly settings: AttestationSettings;
  readonly verifiers: VerifierRegistry;
  readonly limits: RateLimitStore;
  readonly now: Clock;
  readonly challengeTtlSeconds: number;
  /** Every attestation outcome, for `keyward_attestation_total{platform,code}`. */
  readonly onOutcome?: (platform: string, code: string, reason: string, appId: string, environment: Environment) => void;
  /** Tests only (AttestationTestHooks.challengeBytes): the `test` environment's challenges; never used for `live`. */
  readonly testChallengeBytes?: (appId: string) => Uint8Array;
}

/** Base64url of 12 to 64 bytes: 32 random bytes in normal operation; a recorded vector's nonce may be shorter (test hooks). */
const CHALLENGE_RE = /^[A-Za-z0-9_-]{16,86}$/;

/**
 * Steps 1–3 of the flow: a challenge, the platform's attestation over it, the instance registered
 * and an app token issued. Each refusal is a value with its own catalogue code; a throw means a
 * broken dependency (the caller fails closed).
 */
export class AttestationFlow {
  constructor(private readonly deps: AttestationFlowDeps) {}

  /** 32 random bytes, base64url, usable once by this app and environment within the TTL. */
  async challenge(appId: string, environment: Environment): Promise<{ challenge: string; expiresAtMs: number }> {
    const challenge = this.challengeBytes(appId, environment).toString('base64url');
    const ttlMs = this.deps.challengeTtlSeconds * 1000;
    await this.deps.singleUse.put(CHALLENGE_PREFIX + challenge, JSON.stringify({ appId, environment }), ttlMs);
    return { challenge, expiresAtMs: this.deps.now() + ttlMs };
  }

  private challengeBytes(appId: string, environment: Environment): Buffer {
    const fixed = environment === 'test' ? this.deps.testChallengeBytes?.(appId) : undefined;
    if (fixed === undefined) return randomBytes(32);
    if (fixed.length < 12 || fixed.length > 64) throw new TypeError('a test challenge must be 12 to 64 bytes');
    return Buffer.from(fixed);
  }

  /**
   * Order: the challenge is taken first (so a refused attestation still burns it: one try per
   * challenge), then the quota, the verifier for the payload's platform, the app check, and last
   * the instance insert and the token. The challenge must have been issued to this app and
   * environment.
   */
  async attest(input: { readonly appId: string; readonly environment: Environment; readonly challenge: string; readonly payload: AttestationPayload }, by: Actor): Promise<AttestOutcome> {
    const platform: string = typeof input.payload?.platform === 'string' ? input.payload.platform : 'unknown';
    const outcome = await this.run(input, by);
    this.deps.onOutcome?.(platform, outcome.ok ? 'VALID' : outcome.code, outcome.ok ? 'VALID' : outcome.reason, input.appId, input.environment);
    return outcome;
  }

  private async run(input: { readonly appId: string; readonly environment: Environment; readonly challenge: string; readonly payload: AttestationPayload }, by: Actor): Promise<AttestOutcome> {
    const { appId, environment, payload } = input;
    const issued = typeof input.challenge === 'string' && CHALLENGE_RE.test(input.challenge) ? await this.deps.singleUse.take(CHALLENGE_PREFIX + input.challenge) : undefined;
    if (issued === undefined) return { ok: false, code: 'ATTESTATION_CHALLENGE_INVALID', reason: 'unknown_expired_or_used' };
    const owner = JSON.parse(issued) as { appId: string; environment: Environment };
    if (owner.appId !== appId || owner.environment !== environment) return { ok: false, code: 'ATTESTATION_CHALLENGE_INVALID', reason: 'issued_to_another_app' };

    const settings = await this.deps.settings.get(appId, environment);
    const nowMs = this.deps.now();
    const quota = await this.quota(appId, environment, payload, settings.maxAttestationsPerAppPerHour, settings.maxAttestationsPerKeyPerHour, nowMs);
    if (quota !== undefined) return { ok: false, code: 'ATTESTATION_QUOTA', reason: quota.reason, retryAfterMs: quota.retryAfterMs };

    const verifier = this.deps.verifiers.get(payload.platform as AttestationPlatform);
    if (!verifier) return { ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: `no_verifier_for_${String(payload.platform).slice(0, 32)}` };
    const verdict = await verifier.verify(payload, { challenge: Buffer.from(input.challenge, 'base64url'), policy: { ...settings.policy, environment }, nowMs });
    if (!verdict.ok) return verdict;
    const attested = verdict.instance;
    // A verifier that learns the app from what it verified (the debug provider) reports it; it must be this one.
    if (attested.facts.appId !== undefined && attested.facts.appId !== appId) return { ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'attested_for_another_app' };

    const instance: AppInstance = {
      id: newId('ins'),
      appId,
      environment,
      platform: attested.platform,
      keyId: attested.keyId,
      publicKeySpki: attested.publicKeySpki ?? null,
      counter: attested.counter ?? 0,
      facts: attested.facts,
      createdAtMs: nowMs,
      lastSeenAtMs: nowMs,
      status: 'active',
      revokedAtMs: null,
    };
    await this.deps.store.insertInstance(instance, { ...by, action: 'attestation.instance.register', target: instance.id, data: { appId, environment, platform: instance.platform, keyId: instance.keyId, facts: instance.facts } });
    const token = await this.issueToken(instance, settings.appTokenTtlSeconds, settings.appTokenScopes);
    return { ok: true, instance, appToken: token.token, expiresAtMs: token.expiresAtMs };
  }

  private issueToken(instance: AppInstance, ttlSeconds: number, scopes: readonly string[]) {
    return this.deps.tokens.mintAppToken({
      appId: instance.appId,
      environment: instance.environment,
      subject: instance.id,
      scopes,
      audience: APP_TOKEN_AUDIENCE,
      ttlSeconds,
      claims: { kw_attested: true, kw_instance: instance.id, kw_platform: instance.platform },
    });
  }

  /** Per app and per attested key (or debug token), per hour: counted before verifying, so floods of forgeries spend the budget too. */
  private async quota(appId: string, environment: Environment, payload: AttestationPayload, perApp: number, perKey: number, nowMs: number): Promise<{ reason: string; retryAfterMs: number } | undefined> {
    const hour = { windowMs: 3_600_000 };
    const app = await this.deps.limits.consume(`attest:app:${appId}:${environment}`, { ...hour, rate: perApp, burst: perApp }, nowMs, 1);
    if (!app.allowed) return { reason: 'app_hourly_limit', retryAfterMs: app.retryAfterMs };
    const keyId = payload.platform === 'apple' ? payload.keyId : payload.platform === 'debug' && typeof payload.token === 'string' ? sha256Hex(payload.token).slice(0, 32) : undefined;
    if (typeof keyId === 'string') {
      const key = await this.deps.limits.consume(`attest:key:${appId}:${environment}:${keyId}`, { ...hour, rate: perKey, burst: perKey }, nowMs, 1);
      if (!key.allowed) return { reason: 'key_hourly_limit', retryAfterMs: key.retryAfterMs };
    }
    return undefined;
  }
}
