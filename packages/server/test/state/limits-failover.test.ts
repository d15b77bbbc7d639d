import { describe, expect, it } from 'vitest';
import { ConsumeAllStore, MemoryRateLimitStore, type LimitOp, type LimitOpResult } from '../../src/ratelimit/store.js';
import { FailoverRateLimitStore, share } from '../../src/state/limits-failover.js';

const T0 = Date.UTC(2026, 5, 1);
const limit = { rate: 6, windowMs: 60_000, burst: 6 };

/** A shared store that works, fails or hangs on command, counting the calls that reach it. */
class Switchable extends ConsumeAllStore {
  calls = 0;
  mode: 'up' | 'down' | 'slow' = 'up';
  release: (() => void) | undefined;
  private readonly real = new MemoryRateLimitStore();
  async consumeAll(ops: readonly LimitOp[], nowMs: number): Promise<readonly LimitOpResult[]> {
    this.calls++;
    if (this.mode === 'down') throw new Error('connection closed');
    if (this.mode === 'slow') await new Promise<void>((r) => (this.release = r));
    return this.real.consumeAll(ops, nowMs);
  }
}

function setup(nodes = 3) {
  let t = 0;
  const shared = new Switchable();
  const transitions: boolean[] = [];
  let fallbacks = 0;
  let up = true;
  const store = new FailoverRateLimitStore({ shared, available: () => up, nodes, retryAfterMs: 500, now: () => t, onTransition: (d) => transitions.push(d), onFallback: () => fallbacks++ });
  return { store, shared, transitions, fallbacks: () => fallbacks, advance: (ms: number) => (t += ms), setAvailable: (v: boolean) => (up = v) };
}

describe('FailoverRateLimitStore', () => {
  it('a node’s share: rate and burst divided by the nodes (burst at least 1), a quota’s amount floored; one node is unchanged', () => {
    const rate: LimitOp = { type: 'rate', key: 'k', limit: { rate: 10, windowMs: 1000, burst: 2 }, cost: 1 };
    expect(share(rate, 4)).toMatchObject({ limit: { rate: 2.5, windowMs: 1000, burst: 1 } });
    expect(share({ type: 'quota', key: 'q', quota: { amount: 10, refill: 'daily' }, cost: 1 }, 3)).toMatchObject({ quota: { amount: 3 } });
    expect(share(rate, 1)).toBe(rate);
  });

  it('20 concurrent failures make one transition; the fallback enforces the share; the shared store is left alone until the retry time', async () => {
    const s = setup(3);
    s.shared.mode = 'down';
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.store.consume('k', limit, T0, 1)));
    expect(s.transitions).toEqual([true]);
    expect(answers.filter((d) => d.allowed)).toHaveLength(2); // 6 / 3 nodes
    expect(s.fallbacks()).toBe(20);
    const calls = s.shared.calls;
    await s.store.consume('k', limit, T0, 1);
    expect(s.shared.calls).toBe(calls); // before retryAfterMs: not tried
    s.shared.mode = 'up';
    s.advance(500);
    expect(await s.store.consume('k', limit, T0, 1)).toMatchObject({ allowed: true, remaining: 5 }); // shared again: the full limit
    expect(s.transitions).toEqual([true, false]);
    expect(s.store.isDegraded).toBe(false);
  });

  it('a connection known down degrades without trying; once it is back, one probe at a time', async () => {
    const s = setup(2);
    s.setAvailable(false);
    await s.store.consume('k', limit, T0, 1);
    expect(s.shared.calls).toBe(0);
    expect(s.transitions).toEqual([true]);
    s.setAvailable(true);
    s.shared.mode = 'slow';
    const probe = s.store.consume('k', limit, T0, 1);
    await Promise.resolve();
    const others = await Promise.all(Array.from({ length: 5 }, () => s.store.consume('k', limit, T0, 1)));
    expect(s.shared.calls).toBe(1); // the others went to the fallback meanwhile
    expect(others.every((d) => typeof d.allowed === 'boolean')).toBe(true);
    s.shared.release!();
    await probe;
    expect(s.transitions).toEqual([true, false]);
  });
});
