import type { SchemeVerifier } from '../credentials/authenticate.js';
import type { Caller, CallerResult } from '../credentials/caller.js';
import type { AttestationGate, PipelineRequest } from '../credentials/pipeline.js';
import type { DenyCode } from '../errors/catalogue.js';
import type { Environment } from '../keys/model.js';
import type { Clock } from '../lib/clock.js';
import { checkContentDigest } from '../signatures/verify.js';
import { ASSERTION_HEADER, assertionClientData, type AssertionCheck } from './assertion.js';
import type { AppInstance } from './model.js';
import type { AttestationPlatform } from './provider.js';
import type { AttestationSettings } from './settings.js';
import type { AttestationStore } from './store.js';

type Refusal = { readonly ok: false; readonly code: DenyCode; readonly reason: string };
type InstanceCheck = { readonly ok: true; readonly instance: AppInstance } | Refusal;
const NO_INSTANCE_CLAIM: Refusal = { ok: false, code: 'ATTESTATION_INSTANCE_UNKNOWN', reason: 'NO_INSTANCE_CLAIM' };

/**
 * What the request path needs of attestation (steps 4–5 of the flow): app tokens checked against
 * their instance, per-request assertions, monitor-only mode. Used by the one pipeline
 * (credentials/pipeline.ts), so the gateway, the middlewares and `POST /v1/verify` agree.
 *
 * Instances are cached for `cacheTtlMs` (app tokens verify at cached-JWT speed); a revocation is
 * delivered through the change feed (`instance` messages) and drops the entry at once.
 */
export class AttestationRequestGate implements AttestationGate {
  private readonly instances = new Map<string, { readonly instance: AppInstance | undefined; readonly untilMs: number }>();

  constructor(
    private readonly deps: {
      readonly store: AttestationStore;
      readonly settings: AttestationSettings;
      readonly assertionCheck: (platform: AttestationPlatform) => AssertionCheck;
      readonly now: Clock;
      readonly cacheTtlMs: number;
      /** Tests only (AttestationTestHooks.assertionClientData): what a `test`-environment assertion is checked over. */
      readonly testAssertionClientData?: (built: Uint8Array) => Uint8Array;
      /** Would-have-blocked events (metrics and analytics). */
      readonly onMonitored?: (code: DenyCode, route: string, caller: Caller) => void;
      /** Attestation refusals answered to the caller (events): on a route, or an app token whose instance no longer stands (`subject` 'app-token'). */
      readonly onRefused?: (code: DenyCode, reason: string, subject: string, caller: Caller) => void;
    },
  ) {}

  forget(instanceId: string): void {
    this.instances.delete(instanceId);
  }

  clear(): void {
    this.instances.clear();
  }

  private async instance(id: string): Promise<AppInstance | undefined> {
    const now = this.deps.now();
    const hit = this.instances.get(id);
    if (hit && hit.untilMs > now) return hit.instance;
    const instance = await this.deps.store.getInstance(id);
    if (this.instances.size > 100_000) this.instances.clear();
    this.instances.set(id, { instance, untilMs: now + this.deps.cacheTtlMs });
    return instance;
  }

  /**
   * An app token is only as good as its instance: unknown (e.g. a store restored from a backup
   * older than the attestation) is ATTESTATION_INSTANCE_UNKNOWN; revoked, superseded or older
   * than the app's `reattestAfterSeconds` is REATTESTATION_REQUIRED. Both tell the SDK to attest again.
   */
  async checkInstance(caller: Caller): Promise<InstanceCheck> {
    const id = caller.instanceId;
    if (id === undefined) return NO_INSTANCE_CLAIM;
    const i = await this.instance(id);
    if (!i || i.appId !== caller.appId || i.environment !== caller.environment) return this.decide(i, caller, undefined);
    return this.decide(i, caller, await this.deps.settings.get(i.appId, i.environment));
  }

  /** The same decision from the caches alone, or undefined when either would need the store (the hot path's synchronous shortcut). */
  private checkInstanceCached(caller: Caller): InstanceCheck | undefined {
    const id = caller.instanceId;
    if (id === undefined) return NO_INSTANCE_CLAIM;
    const hit = this.instances.get(id);
    if (!hit || hit.untilMs <= this.deps.now()) return undefined;
    const i = hit.instance;
    if (!i || i.appId !== caller.appId || i.environment !== caller.environment) return this.decide(i, caller, undefined);
    const settings = this.deps.settings.cached(i.appId, i.environment);
    return settings && this.decide(i, caller, settings);
  }

  private decide(i: AppInstance | undefined, caller: Caller, settings: { readonly reattestAfterSeconds: number } | undefined): InstanceCheck {
    if (!i || i.appId !== caller.appId || i.environment !== caller.environment || settings === undefined) return { ok: false, code: 'ATTESTATION_INSTANCE_UNKNOWN', reason: 'INSTANCE_NOT_FOUND' };
    if (i.status !== 'active') return { ok: false, code: 'REATTESTATION_REQUIRED', reason: 'INSTANCE_REVOKED' };
    if (settings.reattestAfterSeconds > 0 && this.deps.now() - i.createdAtMs > settings.reattestAfterSeconds * 1000) return { ok: false, code: 'REATTESTATION_REQUIRED', reason: 'INSTANCE_TOO_OLD' };
    return { ok: true, instance: i };
  }

  /**
   * Wraps the token scheme: an app token passes only while its instance stands. When the instance
   * and the app's settings are cached (the common case) the check is synchronous: an app token
   * costs one `then` on the token scheme's promise and no lookup promise (bench/cases/app-token.bench.ts).
   */
  tokenScheme(inner: SchemeVerifier<string>): SchemeVerifier<string> {
    const after = (r: CallerResult, checked: InstanceCheck): CallerResult => {
      if (checked.ok || !r.valid) return r;
      this.deps.onRefused?.(checked.code, checked.reason, 'app-token', r.caller);
      return { valid: false, code: checked.code, reason: checked.reason };
    };
    return (token, context) =>
      inner(token, context).then((r) => {
        if (!r.valid || r.caller.kind !== 'app-token') return r;
        const now = this.checkInstanceCached(r.caller);
        return now !== undefined ? after(r, now) : this.checkInstance(r.caller).then((checked) => after(r, checked));
      });
  }

  async monitorOnly(appId: string, environment: Environment): Promise<boolean> {
    return (await this.deps.settings.get(appId, environment)).monitorOnly;
  }

  monitored(code: DenyCode, route: string, caller: Caller): void {
    this.deps.onMonitored?.(code, route, caller);
  }

  refused(code: DenyCode, reason: string, route: string, caller: Caller): void {
    this.deps.onRefused?.(code, reason, route, caller);
  }

  /**
   * The assertion of one request (wire form: attestation/assertion.ts). Order: an app token and
   * the header (ASSERTION_REQUIRED), an instance with an attested key, the body's Content-Digest,
   * the platform's signature check, then the counter's compare-and-set in the store, which alone
   * decides between two racing requests with one counter (ASSERTION_COUNTER_REPLAYED).
   */
  async verifyAssertion(caller: Caller, req: PipelineRequest): Promise<{ readonly ok: true } | Refusal> {
    const header = req.headers[ASSERTION_HEADER];
    if (caller.kind !== 'app-token' || caller.instanceId === undefined) return { ok: false, code: 'ASSERTION_REQUIRED', reason: 'NO_APP_TOKEN' };
    if (typeof header !== 'string' || header.length === 0 || header.length > 8192) return { ok: false, code: 'ASSERTION_REQUIRED', reason: 'NO_ASSERTION_HEADER' };
    const checked = await this.checkInstance(caller);
    if (!checked.ok) return checked;
    const i = checked.instance;
    if (i.publicKeySpki === null) return { ok: false, code: 'ASSERTION_INVALID', reason: 'INSTANCE_HAS_NO_KEY' };
    const digestHeader = req.headers['content-digest'];
    const contentDigest = typeof digestHeader === 'string' ? digestHeader : '';
    const declaresBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    if (req.body && req.body.length > 0) {
      if (checkContentDigest(contentDigest, req.body) !== 'OK') return { ok: false, code: 'ASSERTION_INVALID', reason: 'CONTENT_DIGEST' };
    } else if (declaresBody) return { ok: false, code: 'ASSERTION_INVALID', reason: 'BODY_NOT_READ' }; // fail closed: a body nobody checked
    const built = assertionClientData({ method: req.method, target: req.rawTarget, contentDigest, tokenJti: caller.id });
    const clientData = i.environment === 'test' && this.deps.testAssertionClientData ? this.deps.testAssertionClientData(built) : built;
    // The app's policy for this environment: Apple's check needs the team and bundle ids (RP ID hash).
    const settings = await this.deps.settings.get(i.appId, i.environment);
    const verdict = await this.deps.assertionCheck(i.platform)({ publicKeySpki: i.publicKeySpki, storedCounter: i.counter, assertion: header, clientData, policy: { ...settings.policy, environment: i.environment } });
    if (!verdict.ok) return { ok: false, code: verdict.code, reason: verdict.reason };
    const advanced = await this.deps.store.advanceCounter(i.id, verdict.counter, this.deps.now());
    if (advanced === 'not_found') return { ok: false, code: 'ATTESTATION_INSTANCE_UNKNOWN', reason: 'INSTANCE_NOT_FOUND' };
    if (advanced === 'stale') return { ok: false, code: 'ASSERTION_COUNTER_REPLAYED', reason: 'COUNTER_RACE_LOST' };
    return { ok: true };
  }
}
