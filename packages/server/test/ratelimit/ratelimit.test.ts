import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTrust, resolveClientIp } from '../../src/ratelimit/client-ip.js';
import { gcra, spendQuota } from '../../src/ratelimit/gcra.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';

const T0 = Date.UTC(2026, 5, 1);

describe('GCRA', () => {
  it('lets a burst through, then one request per interval (frozen clock)', () => {
    const limit = { rate: 10, windowMs: 10_000, burst: 3 };
    let tat: number | undefined;
    const results = [];
    for (let i = 0; i < 4; i++) {
      const d = gcra(tat, limit, T0, 1);
      results.push(d.allowed);
      if (d.allowed) tat = d.tatMs;
    }
    expect(results).toEqual([true, true, true, false]);
    const refused = gcra(tat, limit, T0, 1);
    expect(refused.retryAfterMs).toBe(1000);
    expect(gcra(tat, limit, T0 + 999, 1).allowed).toBe(false);
    expect(gcra(tat, limit, T0 + 1000, 1).allowed).toBe(true);
  });

  it('never admits more than burst + rate × elapsed over any run (property, 10^4 cases)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 60 }), (rate, burst, gaps) => {
        const limit = { rate, windowMs: 1000, burst };
        let tat: number | undefined;
        let now = T0;
        let admitted = 0;
        for (const g of gaps) {
          now += g;
          const d = gcra(tat, limit, now, 1);
          if (d.allowed) {
            admitted++;
            tat = d.tatMs;
          }
        }
        return admitted <= burst + Math.floor(((now - T0) * rate) / 1000) + 1;
      }),
      { numRuns: 10_000 },
    );
  });

  it('quotas refill per calendar period', () => {
    let s = spendQuota(undefined, 2, 'daily', T0 + 1000, 1);
    s = spendQuota(s.state, 2, 'daily', T0 + 2000, 1);
    expect(s.remaining).toBe(0);
    expect(spendQuota(s.state, 2, 'daily', T0 + 3000, 1).allowed).toBe(false);
    expect(spendQuota(s.state, 2, 'daily', T0 + 86_400_000, 1)).toMatchObject({ allowed: true, remaining: 1 });
    expect(spendQuota(undefined, 5, 'monthly', T0, 3).resetMs).toBe(Date.UTC(2026, 6, 1) - T0);
  });

  it('1000 concurrent consumes against the memory store never over-admit', async () => {
    const store = new MemoryRateLimitStore();
    const results = await Promise.all(Array.from({ length: 1000 }, () => store.consume('k', { rate: 100, windowMs: 60_000, burst: 50 }, T0, 1)));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
  });

});

describe('client address and X-Forwarded-For', () => {
  it('ignores X-Forwarded-For unless told to trust it', () => {
    expect(resolveClientIp('10.0.0.1', '1.2.3.4', compileTrust('none'))).toBe('10.0.0.1');
  });

  it('trusts exactly the configured number of hops; spoofed entries on the left are never used', () => {
    const oneHop = compileTrust({ hops: 1 });
    expect(resolveClientIp('10.0.0.1', '203.0.113.9', oneHop)).toBe('203.0.113.9');
    // client sent "X-Forwarded-For: 6.6.6.6"; the load balancer appended the real address
    expect(resolveClientIp('10.0.0.1', '6.6.6.6, 203.0.113.9', oneHop)).toBe('203.0.113.9');
    expect(resolveClientIp('10.0.0.1', '1.1.1.1, 2.2.2.2, 203.0.113.9', oneHop)).toBe('203.0.113.9');
  });

  it('with trusted proxy CIDRs: the first untrusted address from the right', () => {
    const trust = compileTrust({ cidrs: ['10.0.0.0/8'] });
    expect(resolveClientIp('10.0.0.1', '6.6.6.6, 203.0.113.9, 10.1.1.1', trust)).toBe('203.0.113.9');
    expect(resolveClientIp('198.51.100.7', '6.6.6.6', trust)).toBe('198.51.100.7'); // peer not a trusted proxy
  });

  it('rotating spoofed X-Forwarded-For values never buys more budget', async () => {
    const store = new MemoryRateLimitStore();
    const trust = compileTrust({ hops: 1 });
    let allowed = 0;
    for (let i = 0; i < 100; i++) {
      const ip = resolveClientIp('10.0.0.1', `9.9.9.${i}, 203.0.113.9`, trust);
      if ((await store.consume(`ip:${ip}`, { rate: 10, windowMs: 60_000, burst: 10 }, T0, 1)).allowed) allowed++;
    }
    expect(allowed).toBe(10);
  });
});
