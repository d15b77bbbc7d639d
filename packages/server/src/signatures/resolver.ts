import type { InvalidationBus } from '../cache/invalidation.js';
import type { Environment, KeyKind } from '../keys/model.js';
import { signingSecretContext } from '../keys/service.js';
import type { Keyring } from '../lib/sealed.js';
import type { Store } from '../store/types.js';
import type { ResolvedSigningKey } from './verify.js';

/** Who a verified signature speaks for. */
export interface SignatureOwner {
  readonly credentialId: string;
  readonly kind: KeyKind;
  readonly appId: string;
  readonly environment: Environment;
  readonly subject: string | null;
  readonly scopes: readonly string[];
}

/** Looks up public keys registered for devices (`dev_…` key ids). Provided by the devices module. */
export type DeviceKeyLookup = (deviceId: string) => Promise<ResolvedSigningKey<SignatureOwner> | undefined>;

/**
 * Resolves a signature's `keyid` to key material, only from Keyward's own store — never from a
 * URL or anything else the request names (no SSRF, no attacker-chosen keys).
 *
 *  - `key_…`: an HMAC signing credential (kind `signing`). Every secret still inside its rotation
 *    grace period is a candidate, so rotating a signing credential does not break signed traffic.
 *  - `dev_…`: a device's registered public key (Ed25519 or P-256).
 *
 * Opened secrets are cached per key id and dropped on every invalidation of that key (revoke,
 * disable, rotate), through the same feed as the verification cache: in-process messages and the
 * change log other processes write (cache/change-watcher.ts). A device invalidation reaches the
 * devices module's cache the same way (keyward.ts). Like the key cache, a load that began before
 * an invalidation does not fill the cache (generation counter), so a lookup racing a revoke cannot
 * put the revoked secret back. Bounded: at most 50,000 entries (then cleared).
 */
export class SigningKeyResolver {
  private readonly cache = new Map<string, { readonly value: ResolvedSigningKey<SignatureOwner> | null; readonly untilMs: number }>();
  private generation = 0;

  constructor(
    private readonly deps: {
      readonly store: Pick<Store, 'getKey' | 'listKeySecrets'>;
      readonly keyring: Keyring;
      readonly bus: InvalidationBus;
      readonly now: () => number;
      readonly cacheTtlMs: number;
      readonly devices?: DeviceKeyLookup;
    },
  ) {
    deps.bus.subscribe((m) => {
      if (m.type === 'key') this.forget(m.keyId);
      else if (m.type === 'all') this.clear();
    });
  }

  /** Forget a key (and any load of it in flight). */
  forget(keyId: string): void {
    this.generation++;
    this.cache.delete(keyId);
  }

  clear(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Synchronous on a cache hit (the common case), so the signature hot path does not wait a tick. */
  resolve = (keyId: string): ResolvedSigningKey<SignatureOwner> | undefined | Promise<ResolvedSigningKey<SignatureOwner> | undefined> => {
    if (keyId.startsWith('dev_')) return this.deps.devices?.(keyId);
    if (!keyId.startsWith('key_')) return undefined;
    const now = this.deps.now();
    const hit = this.cache.get(keyId);
    if (hit && hit.untilMs > now) return hit.value ?? undefined;
    return this.loadAndCache(keyId, now);
  };

  private async loadAndCache(keyId: string, now: number): Promise<ResolvedSigningKey<SignatureOwner> | undefined> {
    const generation = this.generation;
    const value = await this.load(keyId, now);
    if (generation !== this.generation) return value?.key; // invalidated during the load: answer, do not cache
    // Cache until the earliest grace-period end, so a rotated-out secret stops matching on time.
    const until = Math.min(now + this.deps.cacheTtlMs, value?.validUntilMs ?? Infinity);
    this.cache.set(keyId, { value: value?.key ?? null, untilMs: until });
    if (this.cache.size > 50_000) this.cache.clear();
    return value?.key;
  }

  private async load(keyId: string, now: number): Promise<{ key: ResolvedSigningKey<SignatureOwner>; validUntilMs: number } | undefined> {
    const key = await this.deps.store.getKey(keyId);
    if (!key || key.kind !== 'signing' || key.appId === null || key.environment === null) return undefined;
    if (key.revokedAtMs !== null || !key.enabled || (key.expiresAtMs !== null && key.expiresAtMs <= now)) return undefined;
    const secrets = (await this.deps.store.listKeySecrets(keyId)).filter((s) => s.sealedSecret && (s.expiresAtMs === null || s.expiresAtMs > now));
    if (secrets.length === 0) return undefined;
    const opened = secrets.map((s) => new Uint8Array(this.deps.keyring.open(s.sealedSecret!, signingSecretContext(s.hash))));
    const ends = [key.expiresAtMs ?? Infinity, ...secrets.map((s) => s.expiresAtMs ?? Infinity)];
    return {
      key: {
        alg: 'hmac-sha256',
        secrets: opened,
        keyId,
        owner: { credentialId: key.id, kind: 'signing', appId: key.appId, environment: key.environment, subject: key.subject, scopes: key.scopes },
      },
      validUntilMs: Math.min(...ends),
    };
  }
}
