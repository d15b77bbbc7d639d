import { describe, expect, it } from 'vitest';
import { manualClock } from '../../src/lib/clock.js';
import type { NonceStore } from '../../src/signatures/nonce-store.js';

const T0 = Date.UTC(2026, 5, 1);

/**
 * The contract of signatures/nonce-store.ts (the RFC 9421 replay cache), run against every
 * implementation: memory, a SQLite file, PostgreSQL, Redis and Redis Cluster. `make` gets the
 * clock the store must read time from.
 */
export function nonceStoreConformance(name: string, make: (o: { maxPerKey: number; now: () => number }) => Promise<NonceStore>): void {
  describe(`NonceStore conformance: ${name}`, () => {
    it('a nonce is fresh once, replayed while live, fresh again after it expired', async () => {
      const clock = manualClock(T0);
      const s = await make({ maxPerKey: 10, now: clock });
      expect(await s.checkAndRemember('k1', 'n1', T0 + 1000)).toBe('fresh');
      expect(await s.checkAndRemember('k1', 'n1', T0 + 1000)).toBe('replayed');
      expect(await s.checkAndRemember('k2', 'n1', T0 + 1000)).toBe('fresh'); // per key
      clock.set(T0 + 1000);
      expect(await s.checkAndRemember('k1', 'n1', T0 + 2000)).toBe('fresh');
    });

    it('a full key answers over_capacity and forgets no live nonce; expired ones make room', async () => {
      const clock = manualClock(T0);
      const s = await make({ maxPerKey: 3, now: clock });
      for (const n of ['a', 'b', 'c']) expect(await s.checkAndRemember('k', n, T0 + 1000)).toBe('fresh');
      expect(await s.checkAndRemember('k', 'd', T0 + 1000)).toBe('over_capacity');
      expect(await s.checkAndRemember('k', 'a', T0 + 1000)).toBe('replayed');
      expect(await s.checkAndRemember('other', 'a', T0 + 1000)).toBe('fresh');
      clock.set(T0 + 1000);
      expect(await s.checkAndRemember('k', 'd', T0 + 2000)).toBe('fresh');
    });

    it('of concurrent checks of one nonce exactly one is fresh', async () => {
      const s = await make({ maxPerKey: 1000, now: () => T0 });
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => s.checkAndRemember('k', 'same', T0 + 1000)));
      expect(outcomes.filter((o) => o === 'fresh')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'replayed')).toHaveLength(19);
    });
  });
}
