import { describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import type { Identity } from '../../src/identities/model.js';
import type { KeyRecord } from '../../src/keys/model.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import type { IdentityStore } from '../../src/identities/store.js';
import type { Store } from '../../src/store/types.js';
import { T0, draft, race, unwritable, type HarnessFactory } from './feature-harness.js';

export interface IdentityStores {
  readonly core: Store;
  readonly identities: IdentityStore;
}

/** Every backend's identity operations, and the core store's shared credit spend, behave alike. */
export function identityStoreConformance(label: string, make: HarnessFactory<IdentityStores>): void {
  const identity = (appId: string, over: Partial<Identity> = {}): Identity => ({
    id: newId('idt'), appId, externalId: 'ext', meta: { plan: 'pro' }, ratelimit: null, credits: null, creditsRemaining: null, createdAtMs: T0, updatedAtMs: T0, version: 1, ...over,
  });
  const key = (appId: string, over: Partial<KeyRecord> = {}) => {
    const id = newId('key');
    const plain = generateKey('secret', 'live');
    const record: KeyRecord = {
      id, appId, environment: 'live', kind: 'secret', name: 'k', scopes: [], subject: null, meta: {}, ipAllowList: [], clientCertSha256: null, ratelimit: null, credits: null, creditsRemaining: null,
      enabled: true, expiresAtMs: null, revokedAtMs: null, revokedReason: null, exposedAtMs: null, start: 'kw_sk_live_abcd…', reissuedFromId: null, createdAtMs: T0, updatedAtMs: T0, version: 1, usageCount: 0, lastUsedAtMs: null, identityId: null, ...over,
    };
    return { record, plain, secret: { hash: sha256Hex(plain), keyId: id, start: record.start, createdAtMs: T0, expiresAtMs: null } };
  };

  describe(`identity store conformance: ${label}`, () => {
    it('creates, reads and lists (by externalId too); a taken externalId in the same app is `exists` and writes nothing', async () => {
      const h = await make();
      const appId = await h.createApp();
      const otherApp = await h.createApp();
      const a = identity(appId, { externalId: 'org_1' });
      expect(await h.store.identities.create(a, draft('identity.create', a.id))).toBe('ok');
      expect(await h.store.identities.create(identity(appId, { externalId: 'org_1' }), draft('identity.create', 'dup'))).toBe('exists');
      expect(await h.store.identities.create(identity(otherApp, { externalId: 'org_1' }), draft('identity.create', 'other'))).toBe('ok');
      expect(await h.store.identities.get(a.id)).toEqual(a);
      expect((await h.store.identities.list(appId, { limit: 10 }, 'org_1')).items.map((i) => i.id)).toEqual([a.id]);
      expect((await h.store.identities.list(appId, { limit: 10 })).items).toHaveLength(1);
      expect((await h.audit()).map((r) => r.target)).toEqual([a.id, 'other']);
      await expect(h.store.identities.create(identity(appId, { externalId: 'org_2' }), unwritable('identity.create', 'x'))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      expect((await h.store.identities.list(appId, { limit: 10 }, 'org_2')).items).toHaveLength(0);
      await h.close();
    });

    it('updates are guarded on the version, refuse a taken externalId, and bump the version of every key of the identity', async () => {
      const h = await make();
      const appId = await h.createApp();
      const a = identity(appId, { externalId: 'a' });
      const b = identity(appId, { externalId: 'b' });
      await h.store.identities.create(a, draft('identity.create', a.id));
      await h.store.identities.create(b, draft('identity.create', b.id));
      const k = key(appId, { identityId: a.id });
      await h.store.core.createKey(k.record, k.secret, draft('key.create', k.record.id));
      expect(await h.store.identities.update(a.id, { externalId: 'b' }, 1, T0 + 1, draft('identity.update', a.id))).toBe('exists');
      expect(await h.store.identities.update(a.id, { meta: { plan: 'team' }, credits: { amount: 4, refill: null } }, 1, T0 + 1, draft('identity.update', a.id))).toBe('ok');
      expect(await h.store.identities.update(a.id, { meta: {} }, 1, T0 + 2, draft('identity.update', a.id))).toBe('conflict');
      expect(await h.store.identities.update(newId('idt'), { meta: {} }, 1, T0 + 2, draft('identity.update', 'x'))).toBe('not_found');
      expect(await h.store.identities.get(a.id)).toMatchObject({ meta: { plan: 'team' }, credits: { amount: 4 }, creditsRemaining: 4, version: 2 });
      expect((await h.store.core.getKey(k.record.id))?.version).toBe(2);
      expect((await h.store.core.findKeyByHash(k.secret.hash))?.key.identity).toEqual({ id: a.id, externalId: 'a', meta: { plan: 'team' }, ratelimit: null, metered: true });
      await h.close();
    });

    it('delete refuses live keys (changing nothing), or detaches them; revoked keys are always detached', async () => {
      const h = await make();
      const appId = await h.createApp();
      const a = identity(appId);
      await h.store.identities.create(a, draft('identity.create', a.id));
      const live = key(appId, { identityId: a.id });
      const revoked = key(appId, { identityId: a.id, revokedAtMs: T0, revokedReason: 'x' });
      await h.store.core.createKey(live.record, live.secret, draft('key.create', live.record.id));
      await h.store.core.createKey(revoked.record, revoked.secret, draft('key.create', revoked.record.id));
      expect((await h.store.identities.delete(a.id, false, T0 + 1, () => draft('identity.delete', a.id))).outcome).toBe('has_keys');
      expect(await h.store.identities.get(a.id)).toBeDefined();
      expect((await h.store.core.getKey(live.record.id))?.identityId).toBe(a.id);
      expect(await h.store.identities.delete(a.id, true, T0 + 1, (d) => draft('identity.delete', a.id, { d: [...d] }))).toEqual({ outcome: 'ok', detached: [live.record.id] });
      expect(await h.store.identities.get(a.id)).toBeUndefined();
      expect((await h.store.core.getKey(revoked.record.id))?.identityId).toBeNull();
      expect((await h.store.identities.delete(a.id, true, T0 + 2, () => draft('identity.delete', a.id))).outcome).toBe('not_found');
      expect((await h.audit()).filter((r) => r.action === 'identity.delete')).toHaveLength(1);
      await h.close();
    });

    it("spendKeyCredits spends the identity's shared balance with the key's own, atomically: concurrent spends never overspend, a refusal spends from neither", async () => {
      const h = await make();
      const appId = await h.createApp();
      const a = identity(appId, { credits: { amount: 3, refill: null }, creditsRemaining: 3 });
      await h.store.identities.create(a, draft('identity.create', a.id));
      const k1 = key(appId, { identityId: a.id });
      const k2 = key(appId, { identityId: a.id, credits: { amount: 10, refill: null }, creditsRemaining: 10 });
      await h.store.core.createKey(k1.record, k1.secret, draft('key.create', k1.record.id));
      await h.store.core.createKey(k2.record, k2.secret, draft('key.create', k2.record.id));
      const outcomes = await race(12, (i) => h.store.core.spendKeyCredits(i % 2 ? k1.record.id : k2.record.id, 1, T0 + 1));
      expect(outcomes.filter((o) => o.outcome === 'spent')).toHaveLength(3);
      expect(outcomes.filter((o) => o.outcome === 'exhausted')).toHaveLength(9);
      expect((await h.store.identities.get(a.id))?.creditsRemaining).toBe(0);
      const k2Spent = outcomes.filter((o, i) => i % 2 === 0 && o.outcome === 'spent').length;
      expect((await h.store.core.getKey(k2.record.id))?.creditsRemaining).toBe(10 - k2Spent);
      expect(await h.store.core.spendKeyCredits(k2.record.id, 0, T0 + 2)).toMatchObject({ outcome: 'spent', remaining: 10 - k2Spent, identityRemaining: 0 });
      await h.close();
    });
  });
}
