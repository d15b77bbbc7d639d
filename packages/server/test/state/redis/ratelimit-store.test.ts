import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Refill } from '../../../src/ratelimit/gcra.js';
import { decideAll, type LimitOp } from '../../../src/ratelimit/store.js';
import type { QuotaState } from '../../../src/ratelimit/gcra.js';
import { RedisRateLimitStore } from '../../../src/state/redis/ratelimit-store.js';
import { connection, privateRedis, type PrivateRedis } from './redis-harness.js';

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await privateRedis();
});

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

/** The pure decision with in-memory state: what every backend must answer. */
function pureModel() {
  const tats = new Map<string, number>();
  const quotas = new Map<string, QuotaState>();
  return (ops: readonly LimitOp[], nowMs: number) => {
    const { results, writes } = decideAll(ops, nowMs, (k) => tats.get(k), (k) => quotas.get(k));
    for (const w of writes) {
      if (w.type === 'rate') tats.set(w.key, w.tatMs);
      else quotas.set(w.key, w.state);
    }
    return results;
  };
}

const limitArb = fc.record({
  rate: fc.integer({ min: 1, max: 50 }),
  windowMs: fc.constantFrom(1_000, 7_000, 60_000, 3_600_000),
  burst: fc.integer({ min: 1, max: 20 }),
});
const refillArb: fc.Arbitrary<Refill> = fc.oneof(fc.constant<Refill>('daily'), fc.constant<Refill>('monthly'), fc.record({ intervalSeconds: fc.constantFrom(1, 60, 3600) }));
const opArb: fc.Arbitrary<LimitOp> = fc.oneof(
  fc.record({ type: fc.constant('rate' as const), key: fc.constantFrom('a', 'b', 'c{x}'), limit: limitArb, cost: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ type: fc.constant('quota' as const), key: fc.constantFrom('a', 'q'), quota: fc.record({ amount: fc.integer({ min: 1, max: 30 }), refill: refillArb }), cost: fc.integer({ min: 0, max: 7 }) }),
);
/** Calls of 1–3 ops, each a time step after the previous (0 to 2 h, fractional ms too: performance clocks). */
const historyArb = fc.array(fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 3 }), stepMs: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.double({ min: 0, max: 7_200_000, noNaN: true })) }), { minLength: 1, maxLength: 25 });

describe('RedisRateLimitStore gives exactly the decisions of the pure gcra.ts / decideAll', () => {
  it('random histories of consumeAll calls: every result equal, field for field (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async (history) => {
        // A fresh prefix per run: the model starts empty, so must the store.
        const store = new RedisRateLimitStore(await connection(redis));
        const model = pureModel();
        let now = T0;
        for (const call of history) {
          now += call.stepMs;
          expect(await store.consumeAll(call.ops, now)).toEqual(model(call.ops, now));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('consume and spend agree with the pure functions one by one', async () => {
    const store = new RedisRateLimitStore(await connection(redis));
    const model = pureModel();
    const limit = { rate: 10, windowMs: 1_000, burst: 5 };
    for (let i = 0; i < 12; i++) {
      const [expected] = model([{ type: 'rate', key: 'k', limit, cost: 1 }], T0 + i * 37);
      expect({ type: 'rate', decision: await store.consume('k', limit, T0 + i * 37, 1) }).toEqual(expected);
    }
    const quota = { amount: 3, refill: 'monthly' as const };
    for (let i = 0; i < 5; i++) {
      const at = T0 + i * 10 * 86_400_000; // crosses a calendar month
      const [expected] = model([{ type: 'quota', key: 'm', quota, cost: 1 }], at);
      expect({ type: 'quota', decision: await store.spend('m', quota, at, 1) }).toEqual(expected);
    }
  });

  it('concurrent consumes never over-admit', async () => {
    const store = new RedisRateLimitStore(await connection(redis));
    const limit = { rate: 3, windowMs: 60_000, burst: 3 };
    const results = await Promise.all(Array.from({ length: 40 }, () => store.consume('c', limit, T0, 1)));
    expect(results.filter((d) => d.allowed)).toHaveLength(3);
  });

  it('every key it writes carries the expiry at which its state no longer matters, and one hash tag', async () => {
    const conn = await connection(redis);
    const store = new RedisRateLimitStore(conn);
    await store.consumeAll(
      [
        { type: 'rate', key: 'r1', limit: { rate: 1, windowMs: 60_000, burst: 1 }, cost: 1 },
        { type: 'quota', key: 'q1', quota: { amount: 5, refill: { intervalSeconds: 3600 } }, cost: 1 },
      ],
      T0,
    );
    // A brace in a caller's name cannot open a tag of its own (the slot stays the prefix's).
    await store.consume('}{x}', { rate: 1, windowMs: 60_000, burst: 1 }, T0, 1);
    expect(await conn.client.exists(`{${conn.keyPrefix}:rl}:g:%7D%7Bx%7D`)).toBe(1);
    await conn.client.del(`{${conn.keyPrefix}:rl}:g:%7D%7Bx%7D`);
    const keys = await conn.client.keys(`{${conn.keyPrefix}:rl}:*`);
    expect(keys.sort()).toEqual([`{${conn.keyPrefix}:rl}:g:r1`, `{${conn.keyPrefix}:rl}:q:q1`]);
    const ttls = await Promise.all(keys.sort().map((k) => conn.client.pttl(k)));
    expect(ttls[0]).toBeGreaterThan(59_000); // the bucket is full again 60 s later
    expect(ttls[0]).toBeLessThanOrEqual(60_000);
    expect(ttls[1]).toBeGreaterThan(3_599_000); // T0 is on the hour: the period ends in an hour
    expect(ttls[1]).toBeLessThanOrEqual(3_600_000);
  });
});
