import { describe, expect, it } from 'vitest';
import type { SingleUseStore } from '../../src/state/single-use.js';

/**
 * The contract of state/single-use.ts, run against every implementation. `make` gets a clock
 * the test moves (implementations must read time from it, so expiry is tested without sleeping).
 */
export function singleUseConformance(name: string, make: (now: () => number) => Promise<{ store: SingleUseStore; close?: () => Promise<void> }>): void {
  describe(`SingleUseStore conformance: ${name}`, () => {
    const setup = async () => {
      let t = 1_700_000_000_000;
      const clock = { now: () => t, advance: (ms: number) => (t += ms) };
      const made = await make(clock.now);
      return { ...made, clock };
    };
    const unique = () => `k-${Math.random().toString(36).slice(2)}`;

    it('take returns the value once, then undefined', async () => {
      const { store, close } = await setup();
      const k = unique();
      await store.put(k, 'v1', 60_000);
      expect(await store.take(k)).toBe('v1');
      expect(await store.take(k)).toBeUndefined();
      await close?.();
    });

    it('an unknown key is undefined, not an error', async () => {
      const { store, close } = await setup();
      expect(await store.take(unique())).toBeUndefined();
      await close?.();
    });

    it('an entry is gone after its ttl and still there just before it', async () => {
      const { store, close, clock } = await setup();
      const a = unique();
      const b = unique();
      await store.put(a, 'a', 1_000);
      await store.put(b, 'b', 1_000);
      clock.advance(999);
      expect(await store.take(a)).toBe('a');
      clock.advance(1);
      expect(await store.take(b)).toBeUndefined();
      await close?.();
    });

    it('of 50 concurrent takes of one key exactly one gets the value', async () => {
      const { store, close } = await setup();
      const k = unique();
      await store.put(k, 'once', 60_000);
      const got = await Promise.all(Array.from({ length: 50 }, () => store.take(k)));
      expect(got.filter((v) => v === 'once')).toHaveLength(1);
      expect(got.filter((v) => v === undefined)).toHaveLength(49);
      await close?.();
    });

    it('keys are independent', async () => {
      const { store, close } = await setup();
      const a = unique();
      const b = unique();
      await store.put(a, 'a', 60_000);
      await store.put(b, 'b', 60_000);
      expect(await store.take(b)).toBe('b');
      expect(await store.take(a)).toBe('a');
      await close?.();
    });
  });
}
