import type { InvalidationBus } from '../cache/invalidation.js';
import type { KeyCache } from '../cache/key-cache.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { Actor } from '../keys/service.js';
import { validateKeySettings } from '../keys/validate.js';
import { newId } from '../lib/ids.js';
import type { Page, PageRequest, Store } from '../store/types.js';
import { IDENTITY_LIMITS, type Identity, type IdentityPatch } from './model.js';
import type { IdentityStore } from './store.js';

export interface CreateIdentityInput {
  readonly externalId: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly ratelimit?: Identity['ratelimit'];
  readonly credits?: Identity['credits'];
}

const MAX_CAS_RETRIES = 5;

/**
 * Identity lifecycle. Each write is one audited store operation; afterwards the caches of the
 * identity's keys are dropped here and on peers (the store also bumped those keys' versions, so
 * other processes on the store drop them through the change feed).
 */
export class IdentityService {
  constructor(private readonly deps: { readonly store: IdentityStore; readonly core: Pick<Store, 'getApp'>; readonly cache: KeyCache; readonly bus: InvalidationBus; readonly now: () => number }) {}

  async create(appId: string, input: CreateIdentityInput, by: Actor): Promise<Identity> {
    if (!(await this.deps.core.getApp(appId))) throw new KeywardError('NOT_FOUND', 'app not found');
    validate(input, this.deps.now());
    const now = this.deps.now();
    const identity: Identity = {
      id: newId('idt'),
      appId,
      externalId: input.externalId,
      meta: input.meta ?? {},
      ratelimit: input.ratelimit ?? null,
      credits: input.credits ?? null,
      creditsRemaining: input.credits ? input.credits.amount : null,
      createdAtMs: now,
      updatedAtMs: now,
      version: 1,
    };
    const outcome = await this.deps.store.create(identity, { actor: by.actor, requestId: by.requestId, action: 'identity.create', target: identity.id, data: { appId, externalId: identity.externalId } });
    if (outcome === 'exists') throw new KeywardError('CONFLICT', 'this app already has an identity with that externalId');
    return identity;
  }

  async get(id: string): Promise<Identity> {
    const identity = await this.deps.store.get(id);
    if (!identity) throw new KeywardError('NOT_FOUND', 'identity not found');
    return identity;
  }

  /** The app of an identity, or undefined (KeyService checks a key's identity with it). */
  async appOf(id: string): Promise<string | undefined> {
    return (await this.deps.store.get(id))?.appId;
  }

  async list(appId: string, page: PageRequest, externalId?: string): Promise<Page<Identity>> {
    if (!(await this.deps.core.getApp(appId))) throw new KeywardError('NOT_FOUND', 'app not found');
    return this.deps.store.list(appId, page, externalId);
  }

  async update(id: string, patch: IdentityPatch, by: Actor): Promise<Identity> {
    validate(patch, this.deps.now());
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const current = await this.get(id);
      const outcome = await this.deps.store.update(id, patch, current.version, this.deps.now(), { actor: by.actor, requestId: by.requestId, action: 'identity.update', target: id, data: { fields: Object.keys(patch) } });
      if (outcome === 'exists') throw new KeywardError('CONFLICT', 'this app already has an identity with that externalId');
      if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'identity not found');
      if (outcome === 'ok') {
        await this.invalidate(await this.deps.store.keyIds(id));
        return this.get(id);
      }
    }
    throw new KeywardError('CONFLICT', 'the identity changed concurrently; try again');
  }

  /**
   * Deletes an identity. With live keys attached it is refused (CONFLICT) unless `detachKeys`:
   * then the keys are detached and keep working with their own limits and credits only.
   */
  async delete(id: string, options: { readonly detachKeys: boolean }, by: Actor): Promise<{ readonly detachedKeys: readonly string[] }> {
    const result = await this.deps.store.delete(id, options.detachKeys, this.deps.now(), (detached) => ({
      actor: by.actor,
      requestId: by.requestId,
      action: 'identity.delete',
      target: id,
      data: { detachedKeys: detached.slice(0, 100), detachedCount: detached.length },
    }));
    if (result.outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'identity not found');
    if (result.outcome === 'has_keys') throw new KeywardError('CONFLICT', 'the identity still has live keys: detach them first, or delete with detachKeys=true');
    await this.invalidate(result.detached);
    return { detachedKeys: result.detached };
  }

  private async invalidate(keyIds: readonly string[]): Promise<void> {
    for (const keyId of keyIds) {
      this.deps.cache.invalidateKey(keyId);
      await this.deps.bus.publish({ type: 'key', keyId });
    }
  }
}

function validate(input: { externalId?: string; meta?: Readonly<Record<string, unknown>>; ratelimit?: Identity['ratelimit']; credits?: Identity['credits'] }, nowMs: number): void {
  if (input.externalId !== undefined && (input.externalId.length === 0 || input.externalId.length > IDENTITY_LIMITS.externalIdMaxChars)) {
    throw new KeywardError('VALIDATION_FAILED', `externalId must be 1 to ${IDENTITY_LIMITS.externalIdMaxChars} characters`, { errors: [{ pointer: '/body/externalId', message: 'length' }] });
  }
  // The same rules (and limits) as a key's own metadata, rate limit and credits.
  validateKeySettings({ ...(input.meta !== undefined ? { meta: input.meta } : {}), ...(input.ratelimit !== undefined ? { ratelimit: input.ratelimit } : {}), ...(input.credits !== undefined ? { credits: input.credits } : {}) }, nowMs, 'update');
}
