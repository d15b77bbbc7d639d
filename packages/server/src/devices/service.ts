import { createPublicKey } from 'node:crypto';
import type { Environment } from '@keyward/protocol';
import { KeywardError } from '../errors/keyward-error.js';
import { newId } from '../lib/ids.js';
import type { Actor, KeyService } from '../keys/service.js';
import { publicKeyFromJwk } from '../signatures/algorithms.js';
import type { ResolvedSigningKey } from '../signatures/verify.js';
import type { SignatureOwner } from '../signatures/resolver.js';
import type { Device, DeviceStore } from './store.js';

/**
 * Device credentials, issued per app install. A device credential authorises only that device's
 * own operations: its subject is its device id, so an access-map rule binding `{deviceId}` to the
 * caller's subject (docs/access-map.md) confines it to `/devices/<its id>/…`.
 */
export class DeviceService {
  /**
   * Resolved device keys. Dropped by id on revoke here and, for revokes by other processes, by the
   * change feed (`forget`, wired in keyward.ts); a load that began before an invalidation does not
   * fill it (generation counter). Bounded: 100,000 entries, then cleared.
   */
  private readonly resolved = new Map<string, ResolvedSigningKey<SignatureOwner> | null>();
  private generation = 0;

  constructor(private readonly deps: { readonly store: DeviceStore; readonly keys: KeyService; readonly now: () => number }) {}

  async register(
    input: { appId: string; environment: Environment; platform: string; appVersion?: string; publicKey?: Record<string, unknown> },
    by: Actor,
  ): Promise<{ device: Device; secret?: string }> {
    const id = newId('dev');
    let alg: Device['alg'] = null;
    let publicJwk: Device['publicJwk'] = null;
    let secretKeyId: string | null = null;
    let secret: string | undefined;
    if (input.publicKey) {
      try {
        const imported = publicKeyFromJwk(input.publicKey);
        alg = imported.alg;
        publicJwk = imported.publicKey.export({ format: 'jwk' }) as Record<string, string>;
      } catch (err) {
        throw new KeywardError('VALIDATION_FAILED', (err as Error).message, { errors: [{ pointer: '/body/publicKey', message: (err as Error).message }] });
      }
    } else {
      const issued = await this.deps.keys.create({ appId: input.appId, environment: input.environment, kind: 'device', name: `device ${id}`, subject: id, meta: { platform: input.platform } }, by);
      secretKeyId = issued.key.id;
      secret = issued.secret;
    }
    const device: Device = { id, appId: input.appId, environment: input.environment, platform: input.platform, appVersion: input.appVersion ?? null, alg, publicJwk, secretKeyId, createdAtMs: this.deps.now(), revokedAtMs: null };
    await this.deps.store.insertDevice(device, { ...by, action: 'device.register', target: id, data: { appId: input.appId, environment: input.environment, platform: input.platform, proof: alg ?? 'secret' } });
    return { device, ...(secret ? { secret } : {}) };
  }

  async revoke(id: string, by: Actor): Promise<void> {
    const d = await this.deps.store.getDevice(id);
    if (!d) throw new KeywardError('NOT_FOUND', 'device not found');
    await this.deps.store.revokeDevice(id, this.deps.now(), { ...by, action: 'device.revoke', target: id, data: {} });
    if (d.secretKeyId) await this.deps.keys.revoke(d.secretKeyId, `device ${id} revoked`, by);
    this.forget(id);
  }

  /** Drops a device's cached key, and any lookup of it in flight. */
  forget(deviceId: string): void {
    this.generation++;
    this.resolved.delete(deviceId);
  }

  clearCache(): void {
    this.generation++;
    this.resolved.clear();
  }

  async get(id: string): Promise<Device> {
    const d = await this.deps.store.getDevice(id);
    if (!d) throw new KeywardError('NOT_FOUND', 'device not found');
    return d;
  }

  list(appId: string, environment: Environment): Promise<readonly Device[]> {
    return this.deps.store.listDevices(appId, environment, 500);
  }

  /** For the RFC 9421 resolver: a live device's public key, algorithm pinned by its key type. */
  lookup = async (deviceId: string): Promise<ResolvedSigningKey<SignatureOwner> | undefined> => {
    if (this.resolved.has(deviceId)) return this.resolved.get(deviceId) ?? undefined;
    const generation = this.generation;
    const d = await this.deps.store.getDevice(deviceId);
    let value: ResolvedSigningKey<SignatureOwner> | null = null;
    if (d && d.revokedAtMs === null && d.alg && d.publicJwk) {
      const owner: SignatureOwner = { credentialId: d.id, kind: 'device', appId: d.appId, environment: d.environment, subject: d.id, scopes: [] };
      value = { alg: d.alg, publicKey: createPublicKey({ key: d.publicJwk as never, format: 'jwk' }), keyId: d.id, owner };
    }
    if (generation !== this.generation) return value ?? undefined; // revoked meanwhile: do not cache
    if (this.resolved.size > 100_000) this.resolved.clear();
    this.resolved.set(deviceId, value);
    return value ?? undefined;
  };
}
