import { describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import type { VerificationCount } from '../../src/analytics/model.js';
import type { AnalyticsStore } from '../../src/analytics/store.js';
import type { KeyRecord } from '../../src/keys/model.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import type { Store } from '../../src/store/types.js';
import { DAY, draft, HOUR, MINUTE, T0, type HarnessFactory } from './feature-harness.js';

export interface TopKeyStores {
  readonly core: Store;
  readonly analytics: AnalyticsStore;
}

/** `AnalyticsStore.topKeys` (src/analytics/store.ts): ranked by the store, bounded, joined to the key's display fields only. */
export function topKeysConformance(name: string, make: HarnessFactory<TopKeyStores>): void {
  const count = (over: Partial<VerificationCount>): VerificationCount => ({ minuteStartMs: T0, appId: 'app_a', keyId: 'key_1', identityId: null, code: 'VALID', count: 1, ...over });
  async function createKey(core: Store, appId: string, over: Partial<KeyRecord>): Promise<string> {
    const id = newId('key');
    const plain = generateKey('secret', 'live');
    const start = plain.slice(0, 16);
    const record: KeyRecord = {
      id, appId, environment: 'live', kind: 'secret', name: 'k', scopes: [], subject: null, meta: {}, ipAllowList: [], clientCertSha256: null, ratelimit: null, credits: null, creditsRemaining: null,
      enabled: true, expiresAtMs: null, revokedAtMs: null, revokedReason: null, exposedAtMs: null, start, reissuedFromId: null, createdAtMs: T0, updatedAtMs: T0, version: 1, usageCount: 0, lastUsedAtMs: null, identityId: null, ...over,
    };
    await core.createKey(record, { hash: sha256Hex(plain), keyId: id, start, createdAtMs: T0, expiresAtMs: null }, draft('key.create', id));
    return id;
  }

  describe(`AnalyticsStore top keys conformance: ${name}`, () => {
    it('ranks keys by verifications in the window (ties by id), with valid counts and the key fields, never a hash', async () => {
      const h = await make();
      const appId = await h.createApp();
      const busy = await createKey(h.store.core, appId, { name: 'billing backend', kind: 'restricted', environment: 'live' });
      const quiet = await createKey(h.store.core, appId, { name: 'iOS', kind: 'publishable', environment: 'test' });
      await h.store.analytics.addVerifications([
        count({ appId, keyId: busy, count: 7 }),
        count({ appId, keyId: busy, code: 'RATE_LIMITED', count: 3 }),
        count({ appId, keyId: quiet, minuteStartMs: T0 + MINUTE, count: 2 }),
        count({ appId, keyId: quiet, code: 'INSUFFICIENT_SCOPES', count: 1 }),
        // A key whose row is gone (telemetry has no foreign key): counted, its fields null.
        count({ appId, keyId: 'key_gone', count: 3 }),
        // Outside the window, and another app's key: not counted.
        count({ appId, keyId: quiet, minuteStartMs: T0 + DAY, count: 100 }),
        count({ appId: 'app_other', keyId: 'key_other', count: 50 }),
      ]);
      const q = { granularity: 'minute' as const, fromMs: T0, toMs: T0 + HOUR, appId };
      const top = await h.store.analytics.topKeys(q, 10);
      const busyStart = (await h.store.core.getKey(busy))!.start;
      expect(top).toEqual([
        { keyId: busy, total: 10, valid: 7, name: 'billing backend', environment: 'live', kind: 'restricted', start: busyStart },
        // 3 each: ties go by key id, so the order is the same on every backend.
        ...[
          { keyId: 'key_gone', total: 3, valid: 3, name: null, environment: null, kind: null, start: null },
          { keyId: quiet, total: 3, valid: 2, name: 'iOS', environment: 'test', kind: 'publishable', start: (await h.store.core.getKey(quiet))!.start },
        ].sort((a, b) => (a.keyId < b.keyId ? -1 : 1)),
      ]);
      expect(JSON.stringify(top)).not.toMatch(/hash/i);
      // The same answer from the hour and day rows.
      expect(await h.store.analytics.topKeys({ ...q, granularity: 'day', toMs: T0 + DAY }, 10)).toEqual(top);
      // Every app: the other app's key ranks first.
      expect((await h.store.analytics.topKeys({ granularity: 'minute', fromMs: T0, toMs: T0 + HOUR }, 1)).map((k) => k.keyId)).toEqual(['key_other']);
      await h.close();
    });

    it('returns at most `limit` keys, the top ones, and nothing for an empty window', async () => {
      const h = await make();
      const appId = await h.createApp();
      await h.store.analytics.addVerifications(Array.from({ length: 30 }, (_, i) => count({ appId, keyId: `key_${String(i).padStart(2, '0')}`, count: i + 1 })));
      const q = { granularity: 'hour' as const, fromMs: T0, toMs: T0 + HOUR, appId };
      const top = await h.store.analytics.topKeys(q, 5);
      expect(top.map((k) => [k.keyId, k.total])).toEqual([29, 28, 27, 26, 25].map((i) => [`key_${i}`, i + 1]));
      expect(await h.store.analytics.topKeys({ ...q, fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR }, 5)).toEqual([]);
      await h.close();
    });
  });
}
