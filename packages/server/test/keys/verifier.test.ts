import { generateKey } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { KeyCache } from '../../src/cache/key-cache.js';
import type { KeyCredits, CreditSpend } from '../../src/keys/credits.js';
import type { KeyDecision } from '../../src/keys/decide.js';
import type { KeyRecord, KeySecret } from '../../src/keys/model.js';
import { UsageRecorder } from '../../src/keys/usage.js';
import { KeyVerifier, toView } from '../../src/keys/verifier.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { enforceLimits } from '../../src/policy/limits.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';

/**
 * The verifier's hot path around the pure decision: format and checksum first, the cache, the
 * constant-time re-check of the stored hash, the key's rate limit, then credits, usage and the
 * decision report. The store here is an in-memory table of the two methods the verifier uses;
 * keys/lifecycle.test.ts runs the same verifier on SQLite.
 */
const NOW = Date.UTC(2026, 5, 1);
const SECRET = generateKey('secret', 'live', (n) => new Uint8Array(n).fill(5));
const HASH = sha256Hex(SECRET);
const KEY: KeyRecord = {
  id: 'key_1', appId: 'app_1', environment: 'live', kind: 'secret', name: 'k', scopes: ['*'], subject: null, meta: {}, ipAllowList: [], enabled: true,
  expiresAtMs: null, revokedAtMs: null, revokedReason: null, exposedAtMs: null, start: 'kw_sk_live_abcd…', reissuedFromId: null, createdAtMs: NOW - 1000,
  updatedAtMs: NOW - 1000, version: 1, usageCount: 0, lastUsedAtMs: null,
};
const CREDITS: KeyCredits = { amount: 10, refill: null };

function setup(over: Partial<KeyRecord> = {}, options: { storedHash?: string; spend?: CreditSpend; limits?: false | MemoryRateLimitStore } = {}) {
  const secret: KeySecret = { hash: options.storedHash ?? HASH, keyId: 'key_1', start: KEY.start, createdAtMs: NOW - 1000, expiresAtMs: null };
  const reads: string[] = [];
  const spends: [string, number, number][] = [];
  const store = {
    findKeyByHash: async (hash: string) => (reads.push(hash), hash.toLowerCase() === HASH ? { key: { ...KEY, ...over }, secret } : undefined),
    spendKeyCredits: async (keyId: string, cost: number, nowMs: number): Promise<CreditSpend> => (spends.push([keyId, cost, nowMs]), options.spend ?? { outcome: 'spent', remaining: 7, resetAtMs: null }),
  };
  let now = NOW;
  const cache = new KeyCache({ ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100, now: () => now });
  const usage = new UsageRecorder({ addUsage: async () => {} }, 0);
  const decisions: KeyDecision[] = [];
  const verifier = new KeyVerifier({ store, cache, usage, now: () => now, onDecision: (d) => decisions.push(d), ...(options.limits === false ? {} : { limits: options.limits ?? new MemoryRateLimitStore() }) });
  return { verifier, reads, spends, usage, decisions, cache, advance: (ms: number) => (now += ms) };
}

describe('KeyVerifier: before the store', () => {
  it('a malformed key or a bad checksum is refused and reported without a store read', async () => {
    const s = setup();
    expect(await s.verifier.verify('not-a-key')).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED' });
    const flipped = SECRET.slice(0, -1) + (SECRET.endsWith('A') ? 'B' : 'A');
    expect(await s.verifier.verify(flipped)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'BAD_CHECKSUM' });
    expect(s.reads).toEqual([]);
    expect(s.decisions.map((d) => !d.valid && d.reason)).toEqual(['MALFORMED', 'BAD_CHECKSUM']);
    expect(s.verifier.digest(SECRET)).toBe(HASH);
  });
});

describe('KeyVerifier: the store and the cache', () => {
  it('works without an onDecision hook', async () => {
    const cache = new KeyCache({ ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100, now: () => NOW });
    const store = { findKeyByHash: async () => undefined, spendKeyCredits: async () => ({ outcome: 'unmetered' }) as const };
    const bare = new KeyVerifier({ store, cache, usage: new UsageRecorder({ addUsage: async () => {} }, 0), now: () => NOW });
    expect(await bare.verify(SECRET)).toMatchObject({ valid: false, reason: 'NOT_FOUND' });
    expect(await bare.verify('nope')).toMatchObject({ valid: false, reason: 'MALFORMED' });
  });

  it('a valid key is read once, then served from the cache (synchronously), usage counted each time', async () => {
    const s = setup();
    const first = await s.verifier.verify(SECRET);
    expect(first).toMatchObject({ valid: true, code: 'VALID', key: { id: 'key_1' }, subject: null, scopes: ['*'] });
    const second = s.verifier.verify(SECRET);
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toMatchObject({ valid: true });
    expect(s.reads).toEqual([HASH]);
    expect(s.usage.pendingCount('key_1')).toBe(2);
    expect(s.decisions).toHaveLength(2);
  });

  it('an unknown key is cached as unknown, and refused as NOT_FOUND', async () => {
    const s = setup();
    const other = generateKey('secret', 'live', (n) => new Uint8Array(n).fill(6));
    expect(await s.verifier.verify(other)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    expect(await s.verifier.verify(other)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    expect(s.reads).toHaveLength(1);
    expect(s.usage.pendingCount('key_1')).toBe(0);
  });

  it('a record whose stored hash is not byte-equal to the presented one is treated as unknown (a looser store index cannot match)', async () => {
    const s = setup({}, { storedHash: HASH.toUpperCase() });
    expect(await s.verifier.verify(SECRET)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    // And it is cached as unknown, not as the record.
    expect(s.cache.get(HASH)).toBeNull();
  });

  it('verifyDigest runs the same decision for a known digest', async () => {
    const s = setup({ revokedAtMs: NOW - 1 });
    expect(await s.verifier.verifyDigest(HASH, {})).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    expect(await s.verifier.verifyDigest(HASH)).toMatchObject({ valid: false, reason: 'REVOKED' });
  });

  it('a refusal counts no usage', async () => {
    const s = setup({ enabled: false });
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: false, code: 'CREDENTIAL_DISABLED' });
    expect(s.usage.pendingCount('key_1')).toBe(0);
  });
});

describe('KeyVerifier: rate limit and credits', () => {
  const RL = { rate: 2, windowSeconds: 60, burst: 2 };

  it('a key’s own rate limit refuses once spent, with the wait, and counts no usage for the refusal', async () => {
    const s = setup({ ratelimit: RL });
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: true });
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: true });
    const third = await s.verifier.verify(SECRET);
    expect(third).toMatchObject({ valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', key: { id: 'key_1' } });
    expect(!third.valid && third.retryAfterMs).toBe(30_000);
    expect(s.usage.pendingCount('key_1')).toBe(2);
    expect(s.decisions.map((d) => d.code)).toEqual(['VALID', 'VALID', 'RATE_LIMITED']);
    s.advance(30_000);
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: true });
  });

  it('the key’s own limit has its own bucket: an access-map limit named "key" by credential on the same store is not it', async () => {
    const limits = new MemoryRateLimitStore();
    const s = setup({ ratelimit: { rate: 10, windowSeconds: 60, burst: 1 } }, { limits });
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: true });
    // The map's limit "key" (1 per minute, by credential), counted for the same caller on the same store.
    const map = compileAccessMap(parseAccessMap('version: 1\nlimits:\n  key: { rate: 1, windowSeconds: 60, by: credential }\nresources:\n  - name: r\n    path: /r\n    allow: [secret]\n    rateLimits: [key]\n'));
    const caller = { scheme: 'key', kind: 'secret', id: 'key_1', appId: 'app_1', environment: 'live', subject: null, scopes: ['*'], signed: false, session: false, attested: false } as const;
    expect(await enforceLimits(map, map.routes[0]!.resource, caller, '203.0.113.1', limits, NOW)).toMatchObject({ ok: true });
  });

  it('without a limiter store the key’s rate limit is not counted here', async () => {
    const s = setup({ ratelimit: RL }, { limits: false });
    for (let i = 0; i < 3; i++) expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: true });
  });

  it('a rate-limited metered key spends nothing', async () => {
    const s = setup({ ratelimit: { rate: 1, windowSeconds: 60, burst: 1 }, credits: CREDITS });
    await s.verifier.verify(SECRET);
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
    expect(s.spends).toEqual([['key_1', 1, NOW]]);
  });

  it('a metered key spends its cost (default 1) and reports what is left', async () => {
    const s = setup({ credits: CREDITS });
    expect(await s.verifier.verify(SECRET)).toMatchObject({ valid: true, creditsRemaining: 7 });
    expect(await s.verifier.verify(SECRET, { cost: 3 })).toMatchObject({ valid: true, creditsRemaining: 7 });
    expect(await s.verifier.verify(SECRET, { cost: 0 })).toMatchObject({ valid: true });
    expect(s.spends).toEqual([
      ['key_1', 1, NOW],
      ['key_1', 3, NOW],
      ['key_1', 0, NOW],
    ]);
    expect(s.usage.pendingCount('key_1')).toBe(3);
  });

  it('deferCredits spends nothing here (the pipeline spends later)', async () => {
    const s = setup({ credits: CREDITS });
    expect(await s.verifier.verify(SECRET, { deferCredits: true })).toMatchObject({ valid: true });
    expect(s.spends).toEqual([]);
    expect(s.usage.pendingCount('key_1')).toBe(1);
  });

  it('exhausted credits are USAGE_EXCEEDED, with the wait until the refill when there is one', async () => {
    const refilled = setup({ credits: CREDITS }, { spend: { outcome: 'exhausted', remaining: 0, resetAtMs: NOW + 4_000 } });
    expect(await refilled.verifier.verify(SECRET)).toEqual({ valid: false, code: 'USAGE_EXCEEDED', reason: 'CREDITS_EXHAUSTED', key: expect.objectContaining({ id: 'key_1' }), retryAfterMs: 4_000 });
    expect(refilled.usage.pendingCount('key_1')).toBe(0);
    const once = setup({ credits: CREDITS }, { spend: { outcome: 'exhausted', remaining: 0, resetAtMs: null } });
    const d = await once.verifier.verify(SECRET);
    expect(d).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', reason: 'CREDITS_EXHAUSTED' });
    expect(d).not.toHaveProperty('retryAfterMs');
    const past = setup({ credits: CREDITS }, { spend: { outcome: 'exhausted', remaining: 0, resetAtMs: NOW - 10 } });
    expect(await past.verifier.verify(SECRET)).toMatchObject({ retryAfterMs: 0 });
  });

  it('a key deleted during the spend is NOT_FOUND; one whose credits were removed passes unmetered', async () => {
    const gone = setup({ credits: CREDITS }, { spend: { outcome: 'not_found' } });
    expect(await gone.verifier.verify(SECRET)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    const unmetered = setup({ credits: CREDITS }, { spend: { outcome: 'unmetered' } });
    const d = await unmetered.verifier.verify(SECRET);
    expect(d).toMatchObject({ valid: true });
    expect(d).not.toHaveProperty('creditsRemaining');
  });
});

describe('KeyVerifier.spendDeferred()', () => {
  it.each([
    // The balance and the next refill come back too: the RateLimit policy of the key's credits.
    [{ outcome: 'spent', remaining: 4, resetAtMs: null }, { ok: true, remaining: 4, resetAtMs: null }],
    [{ outcome: 'unmetered' }, { ok: true }],
    [{ outcome: 'not_found' }, { ok: false, code: 'INVALID_CREDENTIAL' }],
    [{ outcome: 'exhausted', remaining: 0, resetAtMs: null }, { ok: false, code: 'USAGE_EXCEEDED', remaining: 0, resetAtMs: null }],
    [{ outcome: 'exhausted', remaining: 0, resetAtMs: NOW + 2_500 }, { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 2_500, remaining: 0, resetAtMs: NOW + 2_500 }],
    [{ outcome: 'exhausted', remaining: 0, resetAtMs: NOW - 1 }, { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 0, remaining: 0, resetAtMs: NOW - 1 }],
  ] as const)('%j → %j', async (spend, expected) => {
    const s = setup({}, { spend });
    expect(await s.verifier.spendDeferred('key_1', 2)).toEqual(expected);
    expect(s.spends).toEqual([['key_1', 2, NOW]]);
  });
});

describe('toView()', () => {
  it('a valid decision shows the key’s public fields, and credits left when metered', () => {
    const valid: KeyDecision = { valid: true, code: 'VALID', key: { ...KEY, meta: { plan: 'pro' }, expiresAtMs: NOW + 1 }, subject: 'alice', scopes: ['a'] };
    expect(toView(valid)).toStrictEqual({ valid: true, code: 'VALID', keyId: 'key_1', appId: 'app_1', kind: 'secret', environment: 'live', scopes: ['a'], subject: 'alice', meta: { plan: 'pro' }, expiresAtMs: NOW + 1 });
    expect(toView({ ...valid, creditsRemaining: 0 })).toMatchObject({ creditsRemaining: 0 });
  });

  it('INVALID_CREDENTIAL, or a refusal without a key, shows only the code', () => {
    expect(toView({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED', key: KEY })).toEqual({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect(toView({ valid: false, code: 'CREDENTIAL_DISABLED', reason: 'DISABLED' })).toEqual({ valid: false, code: 'CREDENTIAL_DISABLED' });
  });

  it('other refusals name the key, and the wait when there is one', () => {
    expect(toView({ valid: false, code: 'CREDENTIAL_DISABLED', reason: 'DISABLED', key: KEY })).toStrictEqual({ valid: false, code: 'CREDENTIAL_DISABLED', keyId: 'key_1' });
    expect(toView({ valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', key: KEY, retryAfterMs: 5 })).toEqual({ valid: false, code: 'RATE_LIMITED', keyId: 'key_1', retryAfterMs: 5 });
  });
});
