import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { enforceLimits } from '../../src/policy/limits.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { rateLimitHeaders } from '../../src/ratelimit/headers.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0); // June: a 30-day month
const caller: Caller = { scheme: 'key', kind: 'secret', id: 'key_a', appId: 'app_a', environment: 'live', subject: 'u1', scopes: [], signed: false, session: false, attested: false };

function setup(map: string) {
  const compiled = compileAccessMap(parseAccessMap(map));
  const store = new MemoryRateLimitStore();
  const resource = compiled.map.resources[0]!;
  return (nowMs: number) => enforceLimits(compiled, resource, caller, '10.0.0.1', store, nowMs);
}

const TWO_POLICIES = `version: 1
limits:
  burst: { rate: 2, windowSeconds: 60, by: credential }
quotas:
  monthly: { amount: 100, refill: monthly, by: credential }
resources:
  - path: /x
    methods: [GET]
    allow: [secret]
    rateLimits: [burst]
    quota: monthly
    cost: 5
`;

/** Parses `"a";r=1;t=2, "b";…` into {name: {param: value}}: what a client of the draft reads. */
function items(field: string | undefined): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const member of (field ?? '').split(/,\s*/).filter(Boolean)) {
    const [name, ...params] = member.split(';');
    out[JSON.parse(name!)] = Object.fromEntries(params.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
  }
  return out;
}

describe('RateLimit headers (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('a 200 and a 429 list the same policies, quotas included, with q and w', async () => {
    const limit = setup(TWO_POLICIES);
    const ok = await limit(T0);
    const policy = { burst: { q: 2, w: 60 }, monthly: { q: 100, w: 30 * 86400 } };
    expect(ok.ok).toBe(true);
    expect(items(ok.headers['ratelimit-policy'])).toEqual(policy);
    expect(items(ok.headers.ratelimit)).toEqual({ burst: { r: 1, t: 30 }, monthly: { r: 95, t: 29 * 86400 + 12 * 3600 } });
    expect(ok.headers['retry-after']).toBeUndefined();
    await limit(T0);
    const refused = await limit(T0);
    expect(refused).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(items(refused.headers['ratelimit-policy'])).toEqual(policy);
    // The quota allowed it but nothing was spent: it reports its balance before the refused call.
    expect(items(refused.headers.ratelimit).monthly!.r).toBe(90);
  });

  it('Retry-After is never earlier than the refusing policy\'s t, and waiting that long passes', async () => {
    const limit = setup(TWO_POLICIES);
    await limit(T0);
    await limit(T0);
    const refused = await limit(T0);
    const burst = items(refused.headers.ratelimit).burst!;
    expect(burst.r).toBe(0);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(burst.t!);
    expect(Number(refused.headers['retry-after'])).toBe(30);
    expect((await limit(T0 + 29_999)).ok).toBe(false);
    expect((await limit(T0 + 30_000)).ok).toBe(true);
  });

  it('with no units left after an allowed call, t is when the next call passes (not the whole window)', async () => {
    const limit = setup(TWO_POLICIES);
    await limit(T0);
    const last = await limit(T0);
    expect(items(last.headers.ratelimit).burst).toEqual({ r: 0, t: 30 });
  });

  it('an exhausted quota: 429 USAGE_EXCEEDED, Retry-After at the refill, the same as its t', async () => {
    const limit = setup(TWO_POLICIES.replace('amount: 100', 'amount: 5').replace('rate: 2', 'rate: 100'));
    expect((await limit(T0)).ok).toBe(true);
    const refused = await limit(T0 + 1000);
    expect(refused).toMatchObject({ ok: false, code: 'USAGE_EXCEEDED' });
    const monthly = items(refused.headers.ratelimit).monthly!;
    const toJuly = (Date.UTC(2026, 6, 1) - (T0 + 1000)) / 1000;
    expect(monthly).toEqual({ r: 0, t: toJuly });
    expect(Number(refused.headers['retry-after'])).toBe(toJuly);
    expect(Object.keys(items(refused.headers['ratelimit-policy']))).toEqual(['burst', 'monthly']);
  });

  it('a resource without limits sends no RateLimit fields', async () => {
    const limit = setup('version: 1\nresources:\n  - path: /x\n    methods: [GET]\n    allow: [secret]\n');
    expect((await limit(T0)).headers).toEqual({});
  });

  it('policy names are serialised as sf-strings (quotes and backslashes escaped, non-ASCII replaced)', () => {
    const h = rateLimitHeaders([{ name: 'a"b\\c\u00e9', quota: 1, windowSeconds: 1, remaining: 1, resetMs: 1 }]);
    expect(h['ratelimit-policy']).toBe('"a\\"b\\\\c?";q=1;w=1');
  });

  it('a policy not measured for this answer is listed in RateLimit-Policy only; one without a window has no w, one with no reset no t', () => {
    const h = rateLimitHeaders([
      { name: 'kw:key', quota: 2, windowSeconds: 60, remaining: 0, resetMs: 30_000, nextMs: 29_001, refused: true },
      { name: 'per-app', quota: 100, windowSeconds: 60 },
      { name: 'kw:credits', quota: 10 },
    ]);
    expect(h).toEqual({ 'ratelimit-policy': '"kw:key";q=2;w=60, "per-app";q=100;w=60, "kw:credits";q=10', ratelimit: '"kw:key";r=0;t=30', 'retry-after': '30' });
    // A one-off allowance, spent out: r=0, no t, and no Retry-After (waiting would not help).
    expect(rateLimitHeaders([{ name: 'kw:credits', quota: 10, remaining: 0, refused: true }])).toEqual({ 'ratelimit-policy': '"kw:credits";q=10', ratelimit: '"kw:credits";r=0' });
  });
});
