import { describe, expect, it } from 'vitest';
import type { AppInstance, AttestationConfig, DebugToken } from '../../src/attestation/model.js';
import { DEFAULT_ATTESTATION_CONFIG } from '../../src/attestation/model.js';
import type { AttestationEvent } from '../../src/attestation/events.js';
import type { AttestationStore } from '../../src/attestation/store.js';
import { newId } from '../../src/lib/ids.js';
import { count, draft, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

export function makeInstance(appId: string, over: Partial<AppInstance> = {}): AppInstance {
  return { id: newId('ins'), appId, environment: 'test', platform: 'android', keyId: newId('key'), publicKeySpki: 'MFkw', counter: 0, facts: { securityLevel: 'tee', packages: ['com.example'] }, createdAtMs: T0, lastSeenAtMs: T0, status: 'active', revokedAtMs: null, ...over };
}

const debugToken = (appId: string, over: Partial<DebugToken> = {}): DebugToken => ({ id: newId('dbg'), appId, name: 'ci', tokenHash: newId('key').padEnd(64, '0'), createdAtMs: T0, revokedAtMs: null, ...over });

/** The conformance suite every AttestationStore backend passes (the MUST rules in src/attestation/store.ts). */
export function attestationStoreConformance(name: string, make: HarnessFactory<AttestationStore>): void {
  describe(`AttestationStore conformance: ${name}`, () => {
    it('registers an instance and reads it back exactly; audited; an unwritable audit record leaves nothing', async () => {
      const h = await make();
      const appId = await h.createApp();
      const i = makeInstance(appId);
      await h.store.insertInstance(i, draft('attestation.instance.register', i.id));
      expect(await h.store.getInstance(i.id)).toEqual(i);
      expect(await h.store.listInstances(appId, 'test', 10)).toEqual([i]);
      expect(await h.store.listInstances(appId, 'live', 10)).toEqual([]);
      const lost = makeInstance(appId);
      await expect(h.store.insertInstance(lost, unwritable('attestation.instance.register', lost.id))).rejects.toThrow();
      expect(await h.store.getInstance(lost.id)).toBeUndefined();
      expect((await h.audit()).map((r) => r.target)).toEqual([i.id]);
      await h.close();
    });

    it('a re-attestation of the same key supersedes the active instance', async () => {
      const h = await make();
      const appId = await h.createApp();
      const first = makeInstance(appId);
      const second = makeInstance(appId, { keyId: first.keyId, createdAtMs: T0 + 5 });
      await h.store.insertInstance(first, draft('r', first.id));
      await h.store.insertInstance(second, draft('r', second.id));
      expect((await h.store.getInstance(first.id))!.status).toBe('revoked');
      expect((await h.store.getInstance(second.id))!.status).toBe('active');
      await h.close();
    });

    it('advanceCounter is compare-and-set: only a higher counter on an active instance wins, one of 50 racers', async () => {
      const h = await make();
      const appId = await h.createApp();
      const i = makeInstance(appId);
      await h.store.insertInstance(i, draft('r', i.id));
      expect(await h.store.advanceCounter(i.id, 3, T0 + 1)).toBe('ok');
      expect(await h.store.advanceCounter(i.id, 3, T0 + 2)).toBe('stale');
      expect(await h.store.advanceCounter(i.id, 2, T0 + 2)).toBe('stale');
      expect(await h.store.advanceCounter(newId('ins'), 9, T0)).toBe('not_found');
      const outcomes = await race(50, () => h.store.advanceCounter(i.id, 10, T0 + 3));
      expect(count(outcomes, 'ok')).toBe(1);
      expect(await h.store.getInstance(i.id)).toMatchObject({ counter: 10, lastSeenAtMs: T0 + 3 });
      expect(await h.store.revokeInstance(i.id, T0 + 4, draft('attestation.instance.revoke', i.id))).toBe('ok');
      expect(await h.store.advanceCounter(i.id, 11, T0 + 5)).toBe('stale');
      await h.close();
    });

    it('revocation: one winner, the first time stands, audited once', async () => {
      const h = await make();
      const i = makeInstance(await h.createApp());
      await h.store.insertInstance(i, draft('r', i.id));
      const outcomes = await race(5, (n) => h.store.revokeInstance(i.id, T0 + 10 + n, draft('attestation.instance.revoke', i.id)));
      expect(count(outcomes, 'ok')).toBe(1);
      expect(await h.store.revokeInstance(newId('ins'), T0, draft('x', 'y'))).toBe('not_found');
      expect((await h.audit()).filter((r) => r.action === 'attestation.instance.revoke')).toHaveLength(1);
      await h.close();
    });

    it('debug tokens: found by hash, the cap holds under concurrent creation, revocation frees a slot', async () => {
      const h = await make();
      const appId = await h.createApp();
      const t = debugToken(appId);
      expect(await h.store.insertDebugToken(t, 3, draft('attestation.debug_token.create', t.id))).toBe('ok');
      expect(await h.store.findDebugTokenByHash(t.tokenHash)).toEqual(t);
      const outcomes = await race(6, () => {
        const x = debugToken(appId);
        return h.store.insertDebugToken(x, 3, draft('attestation.debug_token.create', x.id));
      });
      expect(count(outcomes, 'ok')).toBe(2);
      expect(await h.store.listDebugTokens(appId)).toHaveLength(3);
      expect(await h.store.revokeDebugToken(t.id, T0 + 1, draft('attestation.debug_token.revoke', t.id))).toBe('ok');
      expect(await h.store.revokeDebugToken(t.id, T0 + 2, draft('attestation.debug_token.revoke', t.id))).toBe('conflict');
      const more = debugToken(appId);
      expect(await h.store.insertDebugToken(more, 3, draft('attestation.debug_token.create', more.id))).toBe('ok');
      expect((await h.audit()).filter((r) => r.action === 'attestation.debug_token.create')).toHaveLength(4);
      await h.close();
    });

    it('config: created at version 0, replaced only at the expected version', async () => {
      const h = await make();
      const appId = await h.createApp();
      const c: AttestationConfig = { ...DEFAULT_ATTESTATION_CONFIG, appId, environment: 'live', monitorOnly: true, runtimeSecrets: ['maps'], updatedAtMs: T0, version: 1 };
      expect(await h.store.getConfig(appId, 'live')).toBeUndefined();
      expect(await h.store.putConfig(c, 0, draft('attestation.config.update', appId))).toBe('ok');
      expect(await h.store.putConfig(c, 0, draft('attestation.config.update', appId))).toBe('conflict');
      expect(await h.store.getConfig(appId, 'live')).toEqual(c);
      const racers = await race(4, () => h.store.putConfig({ ...c, version: 2, monitorOnly: false }, 1, draft('attestation.config.update', appId)));
      expect(count(racers, 'ok')).toBe(1);
      expect(await h.store.getConfig(appId, 'live')).toMatchObject({ version: 2, monitorOnly: false });
      await h.close();
    });

    it('events: recorded with their audit records all or nothing; listed newest first, filtered and paged', async () => {
      const h = await make();
      const appId = await h.createApp();
      const ev = (over: Partial<AttestationEvent>): AttestationEvent => ({ id: newId('ate'), appId, environment: 'test', stage: 'request', outcome: 'refused', code: 'ASSERTION_INVALID', subject: '/pay', reason: 'signature', count: 1, firstAtMs: T0, lastAtMs: T0, ...over });
      const a = ev({ lastAtMs: T0 + 1 });
      const b = ev({ lastAtMs: T0 + 2, outcome: 'monitored', count: 7 });
      const c = ev({ lastAtMs: T0 + 3, environment: 'live', stage: 'attest', subject: 'apple' });
      await h.store.recordEvents([a, b, c], T0 + 5);
      expect((await h.audit()).filter((r) => r.action === 'attestation.failed').map((r) => (r.data as { eventId: string }).eventId)).toEqual([a.id, b.id, c.id]);
      // An event naming no app breaks the batch: the valid one beside it and both audit records are not written.
      await expect(h.store.recordEvents([ev({}), ev({ appId: 'app_doesnotexist0000000000' })], T0 + 6)).rejects.toThrow();
      expect((await h.audit()).filter((r) => r.action === 'attestation.failed')).toHaveLength(3);
      expect((await h.store.listEvents({ appId }, { limit: 10 })).items).toEqual([c, b, a]);
      expect((await h.store.listEvents({ appId, environment: 'test' }, { limit: 10 })).items).toEqual([b, a]);
      expect((await h.store.listEvents({ appId, outcome: 'monitored' }, { limit: 10 })).items).toEqual([b]);
      expect((await h.store.listEvents({ appId, stage: 'attest' }, { limit: 10 })).items).toEqual([c]);
      const first = await h.store.listEvents({ appId }, { limit: 2 });
      expect(first.items).toEqual([c, b]);
      expect(await h.store.listEvents({ appId }, { limit: 2, after: first.next! })).toEqual({ items: [a] });
      await h.close();
    });

    it('listAllConfigs pages through every config in (appId, environment) order', async () => {
      const h = await make();
      const apps = [await h.createApp(), await h.createApp()].sort();
      for (const appId of apps) for (const environment of ['test', 'live'] as const) await h.store.putConfig({ ...DEFAULT_ATTESTATION_CONFIG, appId, environment, updatedAtMs: T0, version: 1 }, 0, draft('attestation.config.update', appId));
      const seen: string[] = [];
      let after: { appId: string; environment: 'live' | 'test' } | undefined;
      for (;;) {
        const page = await h.store.listAllConfigs(after, 3);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        seen.push(...page.map((c) => `${c.appId}/${c.environment}`));
        after = { appId: page.at(-1)!.appId, environment: page.at(-1)!.environment };
      }
      expect(seen).toEqual(apps.flatMap((a) => [`${a}/live`, `${a}/test`]));
      await h.close();
    });
  });
}
