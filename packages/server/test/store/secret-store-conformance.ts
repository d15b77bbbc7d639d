import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import { Keyring } from '../../src/lib/sealed.js';
import type { ServerSecret } from '../../src/secrets/model.js';
import { SecretService } from '../../src/secrets/service.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { count, draft, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

export function makeSecret(appId: string, over: Partial<ServerSecret> = {}): ServerSecret {
  return { id: newId('sec'), appId, environment: 'live', name: 'openai', description: 'LLM', sealedValue: 'kws1.m1.sealed', hint: '…abcd', createdAtMs: T0, updatedAtMs: T0, version: 1, ...over };
}

/**
 * The conformance suite every SecretStore backend must pass (the MUST rules in
 * src/secrets/store.ts). Call it with a factory returning a fresh, migrated, empty store.
 */
export function secretStoreConformance(name: string, make: HarnessFactory<SecretStore>): void {
  describe(`SecretStore conformance: ${name}`, () => {
    it('reads a secret back by id and by (app, environment, name), and by nothing else; audited', async () => {
      const h = await make();
      const appId = await h.createApp();
      const s = makeSecret(appId);
      await h.store.createSecret(s, draft('secret.create', s.id));
      expect(await h.store.getSecret(s.id)).toEqual(s);
      expect(await h.store.findSecretByName(appId, 'live', 'openai')).toEqual(s);
      expect(await h.store.findSecretByName(appId, 'test', 'openai')).toBeUndefined();
      expect(await h.store.findSecretByName(await h.createApp(), 'live', 'openai')).toBeUndefined();
      expect(await h.store.getSecret(newId('sec'))).toBeUndefined();
      expect((await h.audit()).map((r) => [r.action, r.target])).toEqual([['secret.create', s.id]]);
      await h.close();
    });

    it('(app, environment, name) is unique: a duplicate is refused, changes nothing and is not audited; other scopes are free', async () => {
      const h = await make();
      const appId = await h.createApp();
      const s = makeSecret(appId);
      await h.store.createSecret(s, draft('secret.create', s.id));
      await expect(h.store.createSecret(makeSecret(appId, { sealedValue: 'kws1.m1.other' }), draft('secret.create', 'dup'))).rejects.toThrow();
      await expect(h.store.createSecret(makeSecret(appId, { id: s.id, name: 'other' }), draft('secret.create', 'dup-id'))).rejects.toThrow();
      expect(await h.store.listSecrets(appId)).toEqual([s]);
      expect(await h.audit()).toHaveLength(1);
      await h.store.createSecret(makeSecret(appId, { environment: 'test' }), draft('secret.create', 'test-env'));
      await h.store.createSecret(makeSecret(await h.createApp()), draft('secret.create', 'other-app'));
      // Racing creations of one name: exactly one lands.
      const settled = await Promise.allSettled(Array.from({ length: 5 }, () => h.store.createSecret(makeSecret(appId, { name: 'raced' }), draft('secret.create', 'raced'))));
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await h.audit()).filter((r) => r.target === 'raced')).toHaveLength(1);
      await h.close();
    });

    it('a create whose audit record cannot be written leaves no secret', async () => {
      const h = await make();
      const s = makeSecret(await h.createApp());
      await expect(h.store.createSecret(s, unwritable('secret.create', s.id))).rejects.toThrow();
      expect(await h.store.getSecret(s.id)).toBeUndefined();
      expect(await h.audit()).toEqual([]);
      await h.close();
    });

    it('listSecrets: one app, by name, optionally one environment; listAllSecrets: every app, id order, paged', async () => {
      const h = await make();
      const appId = await h.createApp();
      const other = await h.createApp();
      const all = [makeSecret(appId, { name: 'b' }), makeSecret(appId, { name: 'a' }), makeSecret(appId, { name: 'c', environment: 'test' }), makeSecret(other, { name: 'z' })];
      for (const s of all) await h.store.createSecret(s, draft('secret.create', s.id));
      expect((await h.store.listSecrets(appId)).map((s) => s.name)).toEqual(['a', 'b', 'c']);
      expect((await h.store.listSecrets(appId, 'test')).map((s) => s.name)).toEqual(['c']);
      const ids: string[] = [];
      for (let after: string | undefined, page; (page = await h.store.listAllSecrets(after, 3)).length > 0; after = page[page.length - 1]!.id) {
        expect(page.length).toBeLessThanOrEqual(3);
        ids.push(...page.map((s) => s.id));
      }
      expect(ids).toEqual(all.map((s) => s.id).sort());
      await h.close();
    });

    it('updateSecret: applies only what the patch names, bumps version by one, audited; stale version is conflict, unknown is not_found', async () => {
      const h = await make();
      const s = makeSecret(await h.createApp());
      await h.store.createSecret(s, draft('secret.create', s.id));
      expect(await h.store.updateSecret(s.id, { sealedValue: 'kws1.m1.v2', hint: '…wxyz' }, 1, T0 + 5, draft('secret.update', s.id))).toBe('ok');
      expect(await h.store.getSecret(s.id)).toEqual({ ...s, sealedValue: 'kws1.m1.v2', hint: '…wxyz', updatedAtMs: T0 + 5, version: 2 });
      expect(await h.store.updateSecret(s.id, { description: 'stale' }, 1, T0 + 6, draft('secret.update', s.id))).toBe('conflict');
      expect(await h.store.updateSecret(newId('sec'), { description: 'x' }, 1, T0 + 6, draft('secret.update', 'x'))).toBe('not_found');
      expect(await h.store.getSecret(s.id)).toMatchObject({ description: 'LLM', version: 2, updatedAtMs: T0 + 5 });
      expect((await h.audit()).map((r) => r.action)).toEqual(['secret.create', 'secret.update']);
      await h.close();
    });

    it('concurrent updates on one version: exactly one wins, the value is the winner’s', async () => {
      const h = await make();
      const s = makeSecret(await h.createApp());
      await h.store.createSecret(s, draft('secret.create', s.id));
      const outcomes = await race(10, (i) => h.store.updateSecret(s.id, { sealedValue: `kws1.m1.v${i}` }, 1, T0 + i, draft('secret.update', s.id)));
      expect(count(outcomes, 'ok')).toBe(1);
      expect(count(outcomes, 'conflict')).toBe(9);
      expect(await h.store.getSecret(s.id)).toMatchObject({ sealedValue: `kws1.m1.v${outcomes.indexOf('ok')}`, version: 2 });
      expect((await h.audit()).filter((r) => r.action === 'secret.update')).toHaveLength(1);
      await h.close();
    });

    it('an update or delete whose audit record cannot be written changes nothing', async () => {
      const h = await make();
      const s = makeSecret(await h.createApp());
      await h.store.createSecret(s, draft('secret.create', s.id));
      await expect(h.store.updateSecret(s.id, { sealedValue: 'kws1.m1.v2' }, 1, T0 + 1, unwritable('secret.update', s.id))).rejects.toThrow();
      await expect(h.store.deleteSecret(s.id, T0 + 1, unwritable('secret.delete', s.id))).rejects.toThrow();
      expect(await h.store.getSecret(s.id)).toEqual(s);
      await h.close();
    });

    it('deleteSecret: once, audited; again is not_found; the name can then be reused', async () => {
      const h = await make();
      const appId = await h.createApp();
      const s = makeSecret(appId);
      await h.store.createSecret(s, draft('secret.create', s.id));
      expect(await h.store.deleteSecret(s.id, T0 + 1, draft('secret.delete', s.id))).toBe('ok');
      expect(await h.store.deleteSecret(s.id, T0 + 2, draft('secret.delete', s.id))).toBe('not_found');
      expect(await h.store.getSecret(s.id)).toBeUndefined();
      expect(await h.store.findSecretByName(appId, 'live', 'openai')).toBeUndefined();
      const again = makeSecret(appId);
      await h.store.createSecret(again, draft('secret.create', again.id));
      expect(await h.store.findSecretByName(appId, 'live', 'openai')).toEqual(again);
      expect((await h.audit()).filter((r) => r.action === 'secret.delete')).toHaveLength(1);
      await h.close();
    });

    it('master-key rotation through SecretService: every secret re-sealed once under the new key (versioned, audited), then the old key can go', async () => {
      const h = await make();
      const appId = await h.createApp();
      const clock = manualClock(T0);
      const by = { actor: 'test', requestId: 'req_conf' };
      const m1 = { id: 'm1', key: randomBytes(32) };
      const m2 = { id: 'm2', key: randomBytes(32) };
      const before = new SecretService({ store: h.store, keyring: new Keyring([m1]), now: clock });
      for (const env of ['live', 'test'] as const) for (let i = 0; i < 3; i++) await before.set({ appId, environment: env, name: `s${i}`, value: `value-${env}-${i}-abcdef` }, by);
      await before.set({ appId, environment: 'live', name: 's0', value: 'value-live-0-second' }, by); // s0 is at version 2
      const versions = new Map((await h.store.listSecrets(appId)).map((s) => [s.id, s.version]));
      clock.advance(1000);
      const both = new SecretService({ store: h.store, keyring: new Keyring([m2, m1]), now: clock });
      expect(await both.reseal(by)).toEqual({ resealed: 6 });
      const after = await h.store.listSecrets(appId);
      for (const s of after) {
        expect(s.sealedValue.startsWith('kws1.m2.')).toBe(true);
        expect(s.version).toBe(versions.get(s.id)! + 1);
        expect(s.updatedAtMs).toBe(T0 + 1000);
      }
      expect((await h.audit()).filter((r) => r.action === 'secret.reseal').map((r) => r.target).sort()).toEqual([...versions.keys()].sort());
      expect(await both.reseal(by)).toEqual({ resealed: 0 });
      const onlyM2 = new SecretService({ store: h.store, keyring: new Keyring([m2]), now: clock });
      expect(await onlyM2.reveal(appId, 'live', 's0')).toBe('value-live-0-second');
      expect(await onlyM2.reveal(appId, 'test', 's2')).toBe('value-test-2-abcdef');
      await expect(before.reveal(appId, 'live', 's1')).rejects.toThrow();
      await h.close();
    });
  });
}
