import { describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import type { App } from '../../src/apps/model.js';
import { DEFAULT_APP_SETTINGS } from '../../src/apps/model.js';
import { verifyAuditChain } from '../../src/audit/service.js';
import type { AuditDraft } from '../../src/audit/model.js';
import type { KeyRecord, KeySecret } from '../../src/keys/model.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import type { Store } from '../../src/store/types.js';

/**
 * The conformance suite every Store backend must pass. Call it from a backend's test file with a
 * factory that returns a fresh, migrated, empty store.
 */
export function storeConformance(name: string, makeStore: () => Promise<Store>): void {
  const T0 = Date.UTC(2026, 0, 1);
  const audit = (action: string, target: string): AuditDraft => ({ actor: 'test', action, target, requestId: 'req_conf' });
  const app = (): App => ({ id: newId('app'), name: 'a', settings: DEFAULT_APP_SETTINGS, createdAtMs: T0, updatedAtMs: T0, version: 1 });
  const key = (appId: string, over: Partial<KeyRecord> = {}): { key: KeyRecord; secret: KeySecret; plain: string } => {
    const id = newId('key');
    const plain = generateKey('secret', 'live');
    return {
      plain,
      key: {
        id, appId, environment: 'live', kind: 'secret', name: 'k', scopes: [], subject: null, meta: { a: 1 }, ipAllowList: [], clientCertSha256: null, ratelimit: null, credits: null, creditsRemaining: null,
        enabled: true, expiresAtMs: null, revokedAtMs: null, revokedReason: null, exposedAtMs: null, start: 'kw_sk_live_abcd…',
        reissuedFromId: null, createdAtMs: T0, updatedAtMs: T0, version: 1, usageCount: 0, lastUsedAtMs: null, identityId: null, ...over,
      },
      secret: { hash: sha256Hex(plain), keyId: id, start: 'kw_sk_live_abcd…', createdAtMs: T0, expiresAtMs: null },
    };
  };

  describe(`Store conformance: ${name}`, () => {
    it('creates and reads apps and pages through them in id order', async () => {
      const store = await makeStore();
      const apps = [app(), app(), app()];
      for (const a of apps) await store.createApp(a, audit('app.create', a.id));
      expect(await store.getApp(apps[0]!.id)).toEqual(apps[0]);
      const first = await store.listApps({ limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.next).toBeDefined();
      const second = await store.listApps({ limit: 2, after: first.next! });
      expect([...first.items, ...second.items].map((a) => a.id)).toEqual(apps.map((a) => a.id).sort());
      expect(second.next).toBeUndefined();
      await store.close();
    });

    it('finds a key by the hash of its secret, and by nothing else', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id);
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const found = await store.findKeyByHash(sha256Hex(k.plain));
      expect(found?.key).toEqual(k.key);
      expect(found?.secret.keyId).toBe(k.key.id);
      expect(await store.findKeyByHash(sha256Hex(`${k.plain}x`))).toBeUndefined();
      await store.close();
    });

    it('guarded updates: the stale version gets conflict and changes nothing', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id);
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      expect(await store.updateKey(k.key.id, { name: 'n1' }, 1, T0 + 1, audit('key.update', k.key.id))).toBe('ok');
      expect(await store.updateKey(k.key.id, { name: 'n2' }, 1, T0 + 2, audit('key.update', k.key.id))).toBe('conflict');
      expect(await store.updateKey(newId('key'), { name: 'n3' }, 1, T0 + 2, audit('key.update', 'x'))).toBe('not_found');
      const after = await store.getKey(k.key.id);
      expect(after?.name).toBe('n1');
      expect(after?.version).toBe(2);
      // one create + one successful update: failed writes left no audit record
      const records = await store.listAudit({ limit: 100 });
      expect(records.map((r) => r.action)).toEqual(['app.create', 'key.create', 'key.update']);
      await store.close();
    });

    it('concurrent guarded updates on one version: exactly one wins', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id);
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.updateKey(k.key.id, { name: `n${i}` }, 1, T0 + 1, audit('key.update', k.key.id))));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
      expect((await verifyAuditChain(store)).ok).toBe(true);
      await store.close();
    });

    it('key credits: spends down to zero, refuses at zero, refills each period, and reads without spending at cost 0', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id, { credits: { amount: 3, refill: { intervalSeconds: 3600 } }, creditsRemaining: 3 });
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const periodEnd = Math.floor(T0 / 3_600_000) * 3_600_000 + 3_600_000;
      expect(await store.spendKeyCredits(k.key.id, 2, T0)).toEqual({ outcome: 'spent', remaining: 1, resetAtMs: periodEnd });
      expect(await store.spendKeyCredits(k.key.id, 0, T0)).toEqual({ outcome: 'spent', remaining: 1, resetAtMs: periodEnd });
      expect(await store.spendKeyCredits(k.key.id, 2, T0)).toEqual({ outcome: 'exhausted', remaining: 1, resetAtMs: periodEnd });
      expect(await store.spendKeyCredits(k.key.id, 1, T0 + 1)).toMatchObject({ outcome: 'spent', remaining: 0 });
      expect(await store.spendKeyCredits(k.key.id, 1, T0 + 2)).toMatchObject({ outcome: 'exhausted', remaining: 0 });
      // the next period starts full again
      expect(await store.spendKeyCredits(k.key.id, 1, periodEnd)).toEqual({ outcome: 'spent', remaining: 2, resetAtMs: periodEnd + 3_600_000 });
      expect((await store.getKey(k.key.id))?.creditsRemaining).toBe(2);
      await store.close();
    });

    it('key credits: a one-off allowance never refills; unmetered and unknown keys say so; setting credits restarts the balance', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const metered = key(a.id, { credits: { amount: 1, refill: null }, creditsRemaining: 1 });
      const plain = key(a.id);
      await store.createKey(metered.key, metered.secret, audit('key.create', metered.key.id));
      await store.createKey(plain.key, plain.secret, audit('key.create', plain.key.id));
      expect(await store.spendKeyCredits(metered.key.id, 1, T0)).toEqual({ outcome: 'spent', remaining: 0, resetAtMs: null });
      expect(await store.spendKeyCredits(metered.key.id, 1, T0 + 400 * 86_400_000)).toEqual({ outcome: 'exhausted', remaining: 0, resetAtMs: null });
      expect(await store.spendKeyCredits(plain.key.id, 1, T0)).toEqual({ outcome: 'unmetered' });
      expect(await store.spendKeyCredits(newId('key'), 1, T0)).toEqual({ outcome: 'not_found' });
      expect(await store.updateKey(metered.key.id, { credits: { amount: 5, refill: 'daily' } }, 1, T0 + 1, audit('key.update', metered.key.id))).toBe('ok');
      expect(await store.spendKeyCredits(metered.key.id, 1, T0 + 2)).toMatchObject({ outcome: 'spent', remaining: 4 });
      expect(await store.updateKey(metered.key.id, { credits: null }, 2, T0 + 3, audit('key.update', metered.key.id))).toBe('ok');
      expect(await store.spendKeyCredits(metered.key.id, 1, T0 + 4)).toEqual({ outcome: 'unmetered' });
      await store.close();
    });

    it('key credits: concurrent spends never overspend', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id, { credits: { amount: 10, refill: 'monthly' }, creditsRemaining: 10 });
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const outcomes = await Promise.all(Array.from({ length: 25 }, () => store.spendKeyCredits(k.key.id, 1, T0)));
      expect(outcomes.filter((o) => o.outcome === 'spent')).toHaveLength(10);
      expect(outcomes.filter((o) => o.outcome === 'exhausted')).toHaveLength(15);
      expect((await store.getKey(k.key.id))?.creditsRemaining).toBe(0);
      await store.close();
    });

    it('root keys: a change that would leave no full-power root key is refused and changes nothing; concurrent ones leave one standing', async () => {
      const store = await makeStore();
      const root = (over: Partial<KeyRecord> = {}) => {
        const k = key('unused', { appId: null, environment: null, kind: 'root', permissions: ['*'], appIds: null, ...over });
        return k;
      };
      const full = root();
      const limited = root({ permissions: ['apps:read'] });
      await store.createKey(full.key, full.secret, audit('key.create', full.key.id));
      await store.createKey(limited.key, limited.secret, audit('key.create', limited.key.id));
      for (const patch of [{ revokedAtMs: T0, revokedReason: 'x' }, { enabled: false }, { permissions: ['apps:read'] }, { appIds: ['app_x'] }, { expiresAtMs: T0 + 1000 }]) {
        expect(await store.updateKeyKeepingFullRoot(full.key.id, patch, 1, T0 + 1, audit('key.update', full.key.id)), JSON.stringify(patch)).toBe('last_full_root');
      }
      expect(await store.getKey(full.key.id)).toMatchObject({ version: 1, enabled: true, revokedAtMs: null, permissions: ['*'] });
      expect(await store.updateKeyKeepingFullRoot(limited.key.id, { revokedAtMs: T0, revokedReason: 'x' }, 1, T0 + 1, audit('key.revoke', limited.key.id))).toBe('ok');
      expect(await store.updateKeyKeepingFullRoot(full.key.id, { name: 'renamed' }, 1, T0 + 1, audit('key.update', full.key.id))).toBe('ok');
      expect(await store.updateKeyKeepingFullRoot(newId('key'), { name: 'x' }, 1, T0 + 1, audit('key.update', 'x'))).toBe('not_found');
      const second = root();
      await store.createKey(second.key, second.secret, audit('key.create', second.key.id));
      const outcomes = await Promise.all([
        store.updateKeyKeepingFullRoot(full.key.id, { revokedAtMs: T0, revokedReason: 'race' }, 2, T0 + 2, audit('key.revoke', full.key.id)),
        store.updateKeyKeepingFullRoot(second.key.id, { revokedAtMs: T0, revokedReason: 'race' }, 1, T0 + 2, audit('key.revoke', second.key.id)),
      ]);
      expect(outcomes.sort()).toEqual(['last_full_root', 'ok']);
      expect((await store.listAudit({ limit: 100 })).filter((r) => r.action === 'key.revoke')).toHaveLength(2); // limited + the one winner
      await store.close();
    });

    it('key credits: heavy contention on one key is a value for every spend, never an exception', async () => {
      // 300 spends racing on one balance: with a compare-and-set that gives up after a few lost
      // races, the late ones threw (a 500 to the caller). Each must be spent or exhausted.
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id, { credits: { amount: 120, refill: null }, creditsRemaining: 120 });
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const settled = await Promise.allSettled(Array.from({ length: 300 }, () => store.spendKeyCredits(k.key.id, 1, T0)));
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
      const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value.outcome : 'rejected'));
      expect(outcomes.filter((o) => o === 'spent')).toHaveLength(120);
      expect(outcomes.filter((o) => o === 'exhausted')).toHaveLength(180);
      expect((await store.getKey(k.key.id))?.creditsRemaining).toBe(0);
      await store.close();
    });

    it('rotation caps old secrets at the grace end, never extends them, and adds the new secret', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id);
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const second = generateKey('secret', 'live');
      const s2: KeySecret = { hash: sha256Hex(second), keyId: k.key.id, start: 'kw_sk_live_zzzz…', createdAtMs: T0 + 10, expiresAtMs: null };
      expect(await store.rotateKey({ keyId: k.key.id, expectedVersion: 1, newSecret: s2, oldSecretsExpireAtMs: T0 + 1000, nowMs: T0 + 10 }, audit('key.rotate', k.key.id))).toBe('ok');
      const third = generateKey('secret', 'live');
      const s3: KeySecret = { ...s2, hash: sha256Hex(third), createdAtMs: T0 + 20 };
      expect(await store.rotateKey({ keyId: k.key.id, expectedVersion: 2, newSecret: s3, oldSecretsExpireAtMs: T0 + 5000, nowMs: T0 + 20 }, audit('key.rotate', k.key.id))).toBe('ok');
      expect((await store.findKeyByHash(sha256Hex(k.plain)))?.secret.expiresAtMs).toBe(T0 + 1000);
      expect((await store.findKeyByHash(sha256Hex(second)))?.secret.expiresAtMs).toBe(T0 + 5000);
      expect((await store.findKeyByHash(sha256Hex(third)))?.secret.expiresAtMs).toBeNull();
      expect((await store.getKey(k.key.id))?.start).toBe('kw_sk_live_zzzz…');
      expect(await store.listSecretHashes(k.key.id)).toHaveLength(3);
      await store.close();
    });

    it('lists only sealed key secrets, in hash order and by page, and reseals one guarded on the copy it replaces', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const plainKey = key(a.id);
      await store.createKey(plainKey.key, plainKey.secret, audit('key.create', plainKey.key.id)); // no sealed copy: not listed
      const sealed = [0, 1, 2].map((i) => {
        const k = key(a.id, { kind: 'signing' });
        return { ...k, secret: { ...k.secret, sealedSecret: `kws1.old.iv${i}.body${i}` } };
      });
      for (const k of sealed) await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      const byHash = sealed.map((k) => ({ hash: k.secret.hash, keyId: k.key.id, sealedSecret: k.secret.sealedSecret })).sort((x, y) => (x.hash < y.hash ? -1 : 1));
      expect(await store.listSealedKeySecrets(undefined, 10)).toEqual(byHash);
      expect(await store.listSealedKeySecrets(undefined, 2)).toEqual(byHash.slice(0, 2));
      expect(await store.listSealedKeySecrets(byHash[1]!.hash, 2)).toEqual(byHash.slice(2));

      const target = byHash[0]!;
      // Guarded on the value it replaces: a stale `from` changes nothing and audits nothing.
      expect(await store.resealKeySecret(target.hash, 'kws1.old.other.value', 'kws1.new.a.b', T0 + 5, audit('key.secret.reseal', target.keyId))).toBe('conflict');
      expect(await store.resealKeySecret('0'.repeat(64), target.sealedSecret, 'kws1.new.a.b', T0 + 5, audit('key.secret.reseal', target.keyId))).toBe('not_found');
      expect((await store.listAudit({ limit: 100, target: target.keyId })).map((r) => r.action)).toEqual(['key.create']);
      expect(await store.resealKeySecret(target.hash, target.sealedSecret, 'kws1.new.a.b', T0 + 5, audit('key.secret.reseal', target.keyId))).toBe('ok');
      expect((await store.findKeyByHash(target.hash))?.secret.sealedSecret).toBe('kws1.new.a.b');
      expect((await store.listAudit({ limit: 100, target: target.keyId })).map((r) => r.action)).toEqual(['key.create', 'key.secret.reseal']);
      // The same reseal again: its `from` is gone, so the second of two racing writers loses.
      expect(await store.resealKeySecret(target.hash, target.sealedSecret, 'kws1.new.c.d', T0 + 6, audit('key.secret.reseal', target.keyId))).toBe('conflict');
      expect((await store.listSealedKeySecrets(undefined, 10)).map((r) => r.sealedSecret)).toEqual(['kws1.new.a.b', byHash[1]!.sealedSecret, byHash[2]!.sealedSecret]);
      await store.close();
    });

    it('usage deltas add up and keep the latest time, in any order', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id);
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      await store.addUsage([{ keyId: k.key.id, count: 3, lastUsedAtMs: T0 + 50 }]);
      await store.addUsage([{ keyId: k.key.id, count: 2, lastUsedAtMs: T0 + 20 }, { keyId: newId('key'), count: 1, lastUsedAtMs: T0 }]);
      const got = await store.getKey(k.key.id);
      expect(got?.usageCount).toBe(5);
      expect(got?.lastUsedAtMs).toBe(T0 + 50);
      await store.close();
    });

    it('reports keys changed since a time', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      const k = key(a.id);
      await store.createKey(k.key, k.secret, audit('key.create', k.key.id));
      expect(await store.keyChangesSince(T0 + 1, 10)).toEqual([]);
      await store.updateKey(k.key.id, { enabled: false }, 1, T0 + 100, audit('key.disable', k.key.id));
      expect(await store.keyChangesSince(T0 + 1, 10)).toEqual([{ id: k.key.id, version: 2, updatedAtMs: T0 + 100 }]);
      await store.close();
    });

    it('the audit chain links every record and the head follows it', async () => {
      const store = await makeStore();
      for (let i = 0; i < 5; i++) await store.appendAudit(audit('x.y', `t${i}`), T0 + i);
      const records = await store.listAudit({ limit: 10 });
      expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
      expect(await store.auditHead()).toEqual({ seq: 5, hash: records[4]!.hash });
      expect((await store.listAudit({ afterSeq: 3, limit: 10 })).map((r) => r.seq)).toEqual([4, 5]);
      expect((await store.listAudit({ target: 't2', limit: 10 })).map((r) => r.seq)).toEqual([3]);
      expect((await verifyAuditChain(store)).ok).toBe(true);
      await store.close();
    });

    it('concurrent audited writes never fork the chain', async () => {
      const store = await makeStore();
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.appendAudit(audit('x.y', `t${i}`), T0 + i)));
      const result = await verifyAuditChain(store);
      expect(result).toMatchObject({ ok: true, records: 30 });
      await store.close();
    });

    it('a duplicate insert throws and leaves neither a row nor an audit record', async () => {
      const store = await makeStore();
      const a = app();
      await store.createApp(a, audit('app.create', a.id));
      await expect(store.createApp(a, audit('app.create', a.id))).rejects.toThrow();
      expect(await store.listAudit({ limit: 10 })).toHaveLength(1);
      await store.close();
    });
  });
}
