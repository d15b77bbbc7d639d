import { describe, expect, it } from 'vitest';
import type { VerificationCount } from '../../src/analytics/model.js';
import type { AnalyticsStore } from '../../src/analytics/store.js';
import { DAY, HOUR, MINUTE, T0, type HarnessFactory } from './feature-harness.js';

const count = (over: Partial<VerificationCount> = {}): VerificationCount => ({ minuteStartMs: T0, appId: 'app_a', keyId: 'key_1', identityId: null, code: 'VALID', count: 1, ...over });

/**
 * The conformance suite every AnalyticsStore backend must pass (the MUST rules in
 * src/analytics/store.ts). Call it with a factory returning a fresh, migrated, empty store.
 */
export function analyticsStoreConformance(name: string, make: HarnessFactory<AnalyticsStore>): void {
  describe(`AnalyticsStore conformance: ${name}`, () => {
    it('one minute count lands in its minute, hour and day bucket alike; adding is additive across batches', async () => {
      const h = await make();
      const at = T0 + 5 * HOUR + 7 * MINUTE;
      await h.store.addVerifications([count({ minuteStartMs: at, count: 3 }), count({ minuteStartMs: at, code: 'RATE_LIMITED', count: 2 })]);
      await h.store.addVerifications([count({ minuteStartMs: at, count: 4 })]);
      for (const [granularity, start] of [
        ['minute', at],
        ['hour', T0 + 5 * HOUR],
        ['day', T0],
      ] as const) {
        expect(await h.store.queryVerifications({ granularity, fromMs: T0, toMs: T0 + DAY })).toEqual([
          { startMs: start, code: 'RATE_LIMITED', count: 2 },
          { startMs: start, code: 'VALID', count: 7 },
        ]);
      }
      await h.close();
    });

    it('hour and day rows sum the minutes inside them, at UTC boundaries', async () => {
      const h = await make();
      // 23:59 and 00:00 are different hours and different days.
      await h.store.addVerifications([count({ minuteStartMs: T0 + DAY - MINUTE }), count({ minuteStartMs: T0 + DAY }), count({ minuteStartMs: T0 + DAY + 59 * MINUTE, count: 5 })]);
      expect(await h.store.queryVerifications({ granularity: 'hour', fromMs: T0, toMs: T0 + 2 * DAY })).toEqual([
        { startMs: T0 + 23 * HOUR, code: 'VALID', count: 1 },
        { startMs: T0 + DAY, code: 'VALID', count: 6 },
      ]);
      expect(await h.store.queryVerifications({ granularity: 'day', fromMs: T0, toMs: T0 + 2 * DAY })).toEqual([
        { startMs: T0, code: 'VALID', count: 1 },
        { startMs: T0 + DAY, code: 'VALID', count: 6 },
      ]);
      await h.close();
    });

    it('filters by app, key and identity; the window is from inclusive, to exclusive', async () => {
      const h = await make();
      await h.store.addVerifications([
        count({ appId: 'app_a', keyId: 'key_1', identityId: 'id_x', count: 1 }),
        count({ appId: 'app_a', keyId: 'key_2', count: 10 }),
        count({ appId: 'app_b', keyId: 'key_3', identityId: 'id_x', count: 100 }),
        count({ minuteStartMs: T0 + MINUTE, appId: 'app_a', keyId: 'key_1', count: 1000 }),
      ]);
      const q = { granularity: 'minute' as const, fromMs: T0, toMs: T0 + MINUTE };
      expect(await h.store.queryVerifications(q)).toEqual([{ startMs: T0, code: 'VALID', count: 111 }]);
      expect(await h.store.queryVerifications({ ...q, appId: 'app_a' })).toEqual([{ startMs: T0, code: 'VALID', count: 11 }]);
      expect(await h.store.queryVerifications({ ...q, keyId: 'key_1' })).toEqual([{ startMs: T0, code: 'VALID', count: 1 }]);
      expect(await h.store.queryVerifications({ ...q, identityId: 'id_x' })).toEqual([{ startMs: T0, code: 'VALID', count: 101 }]);
      expect(await h.store.queryVerifications({ ...q, appId: 'app_b', keyId: 'key_1' })).toEqual([]);
      expect(await h.store.queryVerifications({ ...q, toMs: T0 + 2 * MINUTE, keyId: 'key_1' })).toEqual([
        { startMs: T0, code: 'VALID', count: 1 },
        { startMs: T0 + MINUTE, code: 'VALID', count: 1000 },
      ]);
      await h.close();
    });

    it('concurrent batches for the same buckets lose no count', async () => {
      const h = await make();
      await Promise.all(Array.from({ length: 10 }, () => h.store.addVerifications([count({ count: 2 }), count({ code: 'INVALID_CREDENTIAL' })])));
      expect(await h.store.queryVerifications({ granularity: 'day', fromMs: T0, toMs: T0 + DAY })).toEqual([
        { startMs: T0, code: 'INVALID_CREDENTIAL', count: 10 },
        { startMs: T0, code: 'VALID', count: 20 },
      ]);
      await h.close();
    });

    it('a batch that fails leaves no count behind in any granularity', async () => {
      const h = await make();
      const bad = { ...count(), code: null } as unknown as VerificationCount; // NOT NULL violation, after good rows in the same batch
      await expect(h.store.addVerifications([count({ count: 5 }), bad])).rejects.toThrow();
      for (const granularity of ['minute', 'hour', 'day'] as const) expect(await h.store.queryVerifications({ granularity, fromMs: T0, toMs: T0 + DAY })).toEqual([]);
      await h.close();
    });

    it('prunes only the granularity asked, only before the cutoff, and counts what it deleted', async () => {
      const h = await make();
      await h.store.addVerifications([count({ minuteStartMs: T0 }), count({ minuteStartMs: T0 + 2 * HOUR })]);
      expect(await h.store.pruneVerifications('minute', T0 + 2 * HOUR)).toBe(1);
      expect(await h.store.queryVerifications({ granularity: 'minute', fromMs: T0, toMs: T0 + DAY })).toEqual([{ startMs: T0 + 2 * HOUR, code: 'VALID', count: 1 }]);
      // Hours and days are untouched by a minute prune.
      expect(await h.store.queryVerifications({ granularity: 'hour', fromMs: T0, toMs: T0 + DAY })).toHaveLength(2);
      expect(await h.store.queryVerifications({ granularity: 'day', fromMs: T0, toMs: T0 + DAY })).toEqual([{ startMs: T0, code: 'VALID', count: 2 }]);
      expect(await h.store.pruneVerifications('day', T0)).toBe(0);
      expect(await h.store.pruneVerifications('day', T0 + 1)).toBe(1);
      await h.close();
    });
  });
}
