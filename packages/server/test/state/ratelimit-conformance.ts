import { describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../../src/ratelimit/store.js';

const T0 = Date.UTC(2026, 5, 1);

/**
 * The contract of ratelimit/store.ts (GCRA limits and quotas, all-or-nothing `consumeAll`), run
 * against every implementation: memory, a SQLite file, PostgreSQL, Redis and Redis Cluster.
 */
export function rateLimitStoreConformance(name: string, make: () => Promise<RateLimitStore>): void {
  describe(`RateLimitStore conformance: ${name}`, () => {
    const limit = { rate: 3, windowMs: 60_000, burst: 3 };

    it('GCRA: burst admitted, then refused with a retry time, one more after an interval', async () => {
      const s = await make();
      for (let i = 0; i < 3; i++) expect(await s.consume('r', limit, T0, 1)).toMatchObject({ allowed: true, remaining: 2 - i });
      const refused = await s.consume('r', limit, T0, 1);
      expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 20_000 });
      expect(await s.consume('r', limit, T0 + 20_000, 1)).toMatchObject({ allowed: true });
      expect(await s.consume('other', limit, T0, 1)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('quota: spends by cost, refuses past the amount, refills next period', async () => {
      const s = await make();
      const q = { amount: 5, refill: { intervalSeconds: 3600 } as const };
      expect(await s.spend('q', q, T0, 3)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await s.spend('q', q, T0, 3)).toMatchObject({ allowed: false, remaining: 2 });
      expect(await s.spend('q', q, T0 + 3_600_000, 3)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('consumeAll is all or nothing: a refusal by a later op spends nothing from the earlier ones', async () => {
      const s = await make();
      const tight = { rate: 1, windowMs: 60_000, burst: 1 };
      expect((await s.consumeAll([{ type: 'rate', key: 'tight', limit: tight, cost: 1 }], T0))[0]!.decision.allowed).toBe(true);
      const r = await s.consumeAll(
        [
          { type: 'rate', key: 'wide', limit, cost: 1 },
          { type: 'rate', key: 'tight', limit: tight, cost: 1 },
          { type: 'quota', key: 'q', quota: { amount: 5, refill: 'daily' }, cost: 1 },
        ],
        T0,
      );
      expect(r.map((x) => x.decision.allowed)).toEqual([true, false, true]);
      expect(await s.consume('wide', limit, T0, 0)).toMatchObject({ remaining: 3 });
      expect(await s.spend('q', { amount: 5, refill: 'daily' }, T0, 0)).toMatchObject({ remaining: 5 });
    });

    it('concurrent consumes never over-admit', async () => {
      const s = await make();
      const results = await Promise.all(Array.from({ length: 20 }, () => s.consume('c', limit, T0, 1)));
      expect(results.filter((d) => d.allowed)).toHaveLength(3);
    });
  });
}
