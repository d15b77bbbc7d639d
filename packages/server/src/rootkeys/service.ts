import { KeywardError, type FieldError } from '../errors/keyward-error.js';
import type { KeyRecord } from '../keys/model.js';
import type { Actor, IssuedKey, KeyService } from '../keys/service.js';
import type { Page, PageRequest, Store } from '../store/types.js';
import { covers, isGrant, normaliseGrants, powerOf, type Grant, type RootPower } from './permissions.js';

/** The power of whoever acts: a root key's, or full power (the local CLI, which holds the store itself). */
export const FULL_POWER: RootPower = { permissions: ['*'], appIds: null };

export interface CreateRootKeyInput {
  readonly name: string;
  /** Required: a new root key holds what it is given, nothing by default. */
  readonly permissions: readonly string[];
  /** Null or missing: every app. */
  readonly appIds?: readonly string[] | null;
  readonly expiresAtMs?: number | null;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface RootKeyPatch {
  readonly name?: string;
  readonly permissions?: readonly string[];
  readonly appIds?: readonly string[] | null;
  readonly enabled?: boolean;
  readonly meta?: Readonly<Record<string, unknown>>;
}

const MAX_APPS = 64;

/**
 * Root (operator) keys with least privilege. Every operation takes the actor's power and refuses
 * (INSUFFICIENT_PERMISSION) to create, change, rotate or revoke a root key the actor does not
 * cover: a key cannot grant more than it holds, nor take over a stronger key by rotating it. The
 * last full-power key is kept by the store itself (LAST_ROOT_KEY), whatever path tries.
 * Lifecycle writes go through KeyService, so root keys are hashed, cached and audited like any key.
 */
export class RootKeyService {
  constructor(private readonly deps: { readonly store: Store; readonly keys: KeyService }) {}

  async create(input: CreateRootKeyInput, by: Actor, actorPower: RootPower = FULL_POWER): Promise<IssuedKey> {
    const power = await this.validPower(input.permissions, input.appIds ?? null);
    if (!covers(actorPower, power)) throw new KeywardError('INSUFFICIENT_PERMISSION', 'a root key cannot grant more than it holds (permissions or apps)');
    return this.deps.keys.create(
      {
        appId: null,
        environment: null,
        kind: 'root',
        name: input.name,
        permissions: power.permissions,
        appIds: power.appIds,
        ...(input.expiresAtMs !== undefined ? { expiresAtMs: input.expiresAtMs } : {}),
        ...(input.meta ? { meta: input.meta } : {}),
      },
      by,
    );
  }

  async get(keyId: string): Promise<KeyRecord> {
    const key = await this.deps.store.getKey(keyId);
    if (!key || key.kind !== 'root') throw new KeywardError('NOT_FOUND', 'root key not found');
    return key;
  }

  list(page: PageRequest, includeRevoked = false): Promise<Page<KeyRecord>> {
    return this.deps.store.listKeys({ appId: null, kind: 'root', includeRevoked }, page);
  }

  async update(keyId: string, patch: RootKeyPatch, by: Actor, actorPower: RootPower = FULL_POWER): Promise<KeyRecord> {
    const key = await this.covered(keyId, actorPower);
    const next = await this.validPower(patch.permissions ?? key.permissions ?? [], patch.appIds !== undefined ? patch.appIds : (key.appIds ?? null));
    if (!covers(actorPower, next)) throw new KeywardError('INSUFFICIENT_PERMISSION', 'a root key cannot grant more than it holds (permissions or apps)');
    return this.deps.keys.update(
      keyId,
      {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.meta !== undefined ? { meta: patch.meta } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.permissions !== undefined ? { permissions: next.permissions } : {}),
        ...(patch.appIds !== undefined ? { appIds: next.appIds } : {}),
      },
      by,
    );
  }

  async rotate(keyId: string, gracePeriodSeconds: number, by: Actor, actorPower: RootPower = FULL_POWER): Promise<IssuedKey> {
    await this.covered(keyId, actorPower);
    return this.deps.keys.rotate(keyId, gracePeriodSeconds, by);
  }

  async revoke(keyId: string, reason: string, by: Actor, actorPower: RootPower = FULL_POWER): Promise<KeyRecord> {
    await this.covered(keyId, actorPower);
    return this.deps.keys.revoke(keyId, reason, by);
  }

  /** The root key, if the actor holds at least its power. */
  private async covered(keyId: string, actorPower: RootPower): Promise<KeyRecord> {
    const key = await this.get(keyId);
    if (!covers(actorPower, powerOf(key))) throw new KeywardError('INSUFFICIENT_PERMISSION', 'this root key holds permissions or apps the acting key does not');
    return key;
  }

  /** Permissions from the closed list, at least one; apps that exist, at least one when restricted. */
  private async validPower(permissions: readonly string[], appIds: readonly string[] | null): Promise<RootPower> {
    const errors: FieldError[] = [];
    if (permissions.length === 0) errors.push({ pointer: '/body/permissions', message: 'name at least one permission (docs/api.md lists them)' });
    permissions.forEach((p, i) => {
      if (!isGrant(p)) errors.push({ pointer: `/body/permissions/${i}`, message: `unknown permission ${JSON.stringify(p).slice(0, 80)}` });
    });
    if (appIds !== null) {
      if (appIds.length === 0 || appIds.length > MAX_APPS) errors.push({ pointer: '/body/appIds', message: `1 to ${MAX_APPS} apps, or null for every app` });
      for (const [i, id] of appIds.entries()) if (!(await this.deps.store.getApp(id))) errors.push({ pointer: `/body/appIds/${i}`, message: 'no such app' });
    }
    if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
    return { permissions: normaliseGrants(permissions as Grant[]), appIds: appIds === null ? null : [...new Set(appIds)].sort() };
  }
}
