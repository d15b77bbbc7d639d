import { KeywardError, type FieldError } from '../errors/keyward-error.js';
import type { Environment } from '../keys/model.js';
import type { Actor } from '../keys/service.js';
import type { Clock } from '../lib/clock.js';
import { resealStale, type Keyring } from '../lib/sealed.js';
import { SECRET_NAME_RE } from '../secrets/model.js';
import { APP_TOKEN_TTL_BOUNDS, DEFAULT_ATTESTATION_CONFIG, type AttestationConfig, type AttestationConfigInput } from './model.js';
import { openPolicy, resealPolicy, resolveMasks, sealPolicy } from './sealed-policy.js';
import type { AttestationStore } from './store.js';

/**
 * Per-app, per-environment attestation settings: read on the hot path (monitor-only, token TTL)
 * through a short cache, written by operators with optimistic concurrency and an audit record.
 * An app that never configured attestation gets the defaults (enforcing, 1 h app tokens, no
 * platform policy: every platform verifier then refuses for want of a policy).
 *
 * The policy's key material (Play Integrity's keys: attestation/sealed-policy.ts) is sealed with
 * the master keyring before it is stored and opened only into this cache, which the verifiers read.
 */
export class AttestationSettings {
  private readonly cache = new Map<string, { readonly config: AttestationConfig; readonly untilMs: number }>();
  private generation = 0;

  constructor(private readonly deps: { readonly store: AttestationStore; readonly keyring: Keyring; readonly now: Clock; readonly cacheTtlMs: number; readonly maxAppTokenTtlSeconds: number }) {}

  /** The cached settings while their entry is fresh, else undefined (no store read): the request path's synchronous shortcut. */
  cached(appId: string, environment: Environment): AttestationConfig | undefined {
    const hit = this.cache.get(`${appId}\0${environment}`);
    return hit && hit.untilMs > this.deps.now() ? hit.config : undefined;
  }

  async get(appId: string, environment: Environment): Promise<AttestationConfig> {
    const k = `${appId}\0${environment}`;
    const now = this.deps.now();
    const hit = this.cache.get(k);
    if (hit && hit.untilMs > now) return hit.config;
    const generation = this.generation;
    const stored = await this.deps.store.getConfig(appId, environment);
    const config = stored ? { ...stored, policy: openPolicy(stored.policy, this.deps.keyring, appId, environment) } : { ...DEFAULT_ATTESTATION_CONFIG, appId, environment, updatedAtMs: 0, version: 0 };
    if (generation !== this.generation) return config; // invalidated meanwhile: answer, but do not cache what may be old
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(k, { config, untilMs: now + this.deps.cacheTtlMs });
    return config;
  }

  /**
   * Drops an app's settings in both environments: they changed here or on another node (the
   * change feed's kind `app`, written by a trigger on `attestation_configs`), so the TTL is only
   * the backstop. Reads that began before this do not fill the cache.
   */
  forgetApp(appId: string): void {
    this.generation++;
    for (const env of ['live', 'test'] as const) this.cache.delete(`${appId}\0${env}`);
  }

  clear(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Merges `patch` over the current settings; VALIDATION_FAILED naming each bad field; CONFLICT after repeated races. */
  async put(appId: string, environment: Environment, patch: AttestationConfigInput, by: Actor): Promise<AttestationConfig> {
    for (let attempt = 0; attempt < 5; attempt++) {
      this.cache.delete(`${appId}\0${environment}`);
      const current = await this.get(appId, environment);
      const next: AttestationConfig = { ...current, ...patch, appId, environment, updatedAtMs: this.deps.now(), version: current.version + 1 };
      this.validate(next);
      const policy = resolveMasks(next.policy, current.policy);
      const outcome = await this.deps.store.putConfig({ ...next, policy: sealPolicy(policy, this.deps.keyring, appId, environment) }, current.version, { ...by, action: 'attestation.config.update', target: appId, data: { environment, fields: Object.keys(patch).sort() } });
      if (outcome === 'ok') {
        this.cache.delete(`${appId}\0${environment}`);
        return { ...next, policy };
      }
    }
    throw new KeywardError('CONFLICT', 'the attestation settings changed concurrently; try again');
  }

  /**
   * Master-key rotation (lib/sealed.ts resealStale): re-seals the policy key material of every app
   * environment not sealed under the active master key (and seals any stored before sealing
   * existed). A config changed meanwhile is read again on the next run: run until it reports 0.
   */
  async reseal(by: Actor, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
    const { store, keyring } = this.deps;
    return resealStale(
      {
        page: (after: { appId: string; environment: Environment } | undefined, limit) => store.listAllConfigs(after, limit),
        cursor: (c) => ({ appId: c.appId, environment: c.environment }),
        resealed: (c) => resealPolicy(c.policy, keyring, c.appId, c.environment),
        write: async (c, policy) => {
          const outcome = await store.putConfig({ ...c, policy, version: c.version + 1, updatedAtMs: this.deps.now() }, c.version, { ...by, action: 'attestation.config.reseal', target: c.appId, data: { environment: c.environment, masterKeyId: keyring.activeId } });
          this.cache.delete(`${c.appId}\0${c.environment}`);
          return outcome === 'ok';
        },
      },
      onProgress,
    );
  }

  private validate(c: AttestationConfig): void {
    const errors: FieldError[] = [];
    const max = Math.min(APP_TOKEN_TTL_BOUNDS.maxSeconds, this.deps.maxAppTokenTtlSeconds);
    if (!Number.isInteger(c.appTokenTtlSeconds) || c.appTokenTtlSeconds < APP_TOKEN_TTL_BOUNDS.minSeconds || c.appTokenTtlSeconds > max) {
      errors.push({ pointer: '/body/appTokenTtlSeconds', message: `whole seconds from ${APP_TOKEN_TTL_BOUNDS.minSeconds} to ${max} (the server's KEYWARD_TOKEN_MAX_TTL_SECONDS bounds it)` });
    }
    for (const [field, lo, hi] of [['maxAttestationsPerKeyPerHour', 1, 10_000], ['maxAttestationsPerAppPerHour', 1, 100_000_000], ['reattestAfterSeconds', 0, 365 * 86_400]] as const) {
      const v = c[field];
      if (!Number.isInteger(v) || v < lo || v > hi) errors.push({ pointer: `/body/${field}`, message: `a whole number from ${lo} to ${hi}` });
    }
    if (typeof c.monitorOnly !== 'boolean') errors.push({ pointer: '/body/monitorOnly', message: 'true or false' });
    if (!Array.isArray(c.runtimeSecrets) || c.runtimeSecrets.length > 32) errors.push({ pointer: '/body/runtimeSecrets', message: 'at most 32 secret names' });
    else c.runtimeSecrets.forEach((n, i) => SECRET_NAME_RE.test(n) || errors.push({ pointer: `/body/runtimeSecrets/${i}`, message: 'a secret name' }));
    if (!Array.isArray(c.appTokenScopes) || c.appTokenScopes.length > 32) errors.push({ pointer: '/body/appTokenScopes', message: 'at most 32 scopes' });
    else c.appTokenScopes.forEach((s, i) => (typeof s === 'string' && /^\S{1,130}$/.test(s)) || errors.push({ pointer: `/body/appTokenScopes/${i}`, message: '1 to 130 characters, no whitespace' }));
    if (typeof c.policy !== 'object' || c.policy === null || Array.isArray(c.policy)) errors.push({ pointer: '/body/policy', message: 'an object with apple, android, playIntegrity or external' });
    if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
  }
}
