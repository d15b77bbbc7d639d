import { generateKey } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { KeyCache } from '../../src/cache/key-cache.js';
import type { KeyIdentity } from '../../src/identities/model.js';
import type { CreditSpend, KeyCredits } from '../../src/keys/credits.js';
import type { KeyDecision } from '../../src/keys/decide.js';
import type { KeyRateLimit, KeyRecord, KeySecret } from '../../src/keys/model.js';
import { UsageRecorder } from '../../src/keys/usage.js';
import { KeyVerifier, toView } from '../../src/keys/verifier.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';

/**
 * The verifier's budgets beyond a key's own rate limit (verifier.test.ts has that one): the limit
 * an identity shares between its keys, the policies a refusal reports, the identity's credits,
 * `limitState` reading the very buckets verification spends from, and the identity in a view.
 * The store is an in-memory table of two keys of one identity; the limiter is the real in-memory one.
 */
const NOW = Date.UTC(2026, 5, 1);
const SECRET_1 = generateKey('secret', 'live', (n) => new Uint8Array(n).fill(5));
const SECRET_2 = generateKey('secret', 'live', (n) => new Uint8Array(n).fill(6));
const KEY: KeyRecord = {
  id: 'key_1', appId: 'app_1', environment: 'live', kind: 'secret', name: 'k', scopes: ['*'], subject: null, meta: {}, ipAllowList: [], enabled: true,
  expiresAtMs: null, revokedAtMs: null, revokedReason: null, exposedAtMs: null, start: 'kw_sk_live_abcd…', reissuedFromId: null, createdAtMs: NOW - 1000,
  updatedAtMs: NOW - 1000, version: 1, usageCount: 0, lastUsedAtMs: null,
};
const CREDITS: KeyCredits = { amount: 10, refill: null };
/** 2 calls a minute, both at once: one interval is 30 s. */
const TWO_A_MINUTE: KeyRateLimit = { rate: 2, windowSeconds: 60, burst: 2 };
const ONE_A_MINUTE: KeyRateLimit = { rate: 1, windowSeconds: 60, burst: 1 };
const identity = (over: Partial<KeyIdentity> = {}): KeyIdentity => ({ id: 'idt_1', externalId: 'acme', meta: { plan: 'team' }, ratelimit: null, metered: false, ...over });

function setup(keys: { first?: Partial<KeyRecord>; second?: Partial<KeyRecord> }, options: { spend?: CreditSpend; limits?: false } = {}) {
  const records = new Map<string, { key: KeyRecord; secret: KeySecret }>();
  const add = (secretText: string, id: string, over: Partial<KeyRecord> = {}) => {
    const hash = sha256Hex(secretText);
    records.set(hash, { key: { ...KEY, id, ...over }, secret: { hash, keyId: id, start: KEY.start, createdAtMs: NOW - 1000, expiresAtMs: null } });
  };
  add(SECRET_1, 'key_1', keys.first);
  add(SECRET_2, 'key_2', keys.second);
  const spends: [string, number][] = [];
  const store = {
    findKeyByHash: async (hash: string) => records.get(hash),
    spendKeyCredits: async (keyId: string, cost: number): Promise<CreditSpend> => (spends.push([keyId, cost]), options.spend ?? { outcome: 'spent', remaining: 7, resetAtMs: null }),
  };
  const now = NOW;
  const cache = new KeyCache({ ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100, now: () => now });
  const usage = new UsageRecorder({ addUsage: async () => {} }, 0);
  const decisions: KeyDecision[] = [];
  const limits = new MemoryRateLimitStore();
  const verifier = new KeyVerifier({ store, cache, usage, now: () => now, onDecision: (d) => decisions.push(d), ...(options.limits === false ? {} : { limits }) });
  return { verifier, spends, usage, decisions };
}

const reasonOf = (d: KeyDecision) => (d.valid ? 'VALID' : d.reason);

describe('KeyVerifier: the rate limit an identity shares between its keys', () => {
  it('both keys spend one budget: the third call, by either key, is refused with the wait', async () => {
    const shared = identity({ ratelimit: TWO_A_MINUTE });
    const s = setup({ first: { identity: shared }, second: { identity: shared } });
    expect(reasonOf(await s.verifier.verify(SECRET_1))).toBe('VALID');
    expect(reasonOf(await s.verifier.verify(SECRET_2))).toBe('VALID');
    const third = await s.verifier.verify(SECRET_1);
    expect(third).toMatchObject({ valid: false, code: 'RATE_LIMITED', reason: 'IDENTITY_RATE_LIMIT', key: { id: 'key_1' }, retryAfterMs: 30_000 });
    expect(s.usage.pendingCount('key_1')).toBe(1);
    expect(s.decisions.map(reasonOf)).toEqual(['VALID', 'VALID', 'IDENTITY_RATE_LIMIT']);
  });

  it('an accepted call reports what the identity’s limit said, as the kw:identity policy', async () => {
    const s = setup({ first: { identity: identity({ ratelimit: TWO_A_MINUTE }) } });
    const d = await s.verifier.verify(SECRET_1);
    expect(d).toMatchObject({ valid: true, policies: [{ name: 'kw:identity', quota: 2, windowSeconds: 60, remaining: 1, resetMs: 30_000 }] });
  });

  it('a call the key’s own limit refused spends nothing of the identity’s, which it lists without state', async () => {
    const shared = identity({ ratelimit: TWO_A_MINUTE });
    const s = setup({ first: { ratelimit: ONE_A_MINUTE, identity: shared }, second: { identity: shared } });
    expect(reasonOf(await s.verifier.verify(SECRET_1))).toBe('VALID');
    const refused = await s.verifier.verify(SECRET_1);
    expect(refused).toMatchObject({ valid: false, reason: 'KEY_RATE_LIMIT' });
    expect(!refused.valid && refused.policies).toEqual([
      { name: 'kw:key', quota: 1, windowSeconds: 60, remaining: 0, resetMs: 60_000, nextMs: 60_000, refused: true },
      { name: 'kw:identity', quota: 2, windowSeconds: 60 },
    ]);
    // The identity's second unit is still there for the other key.
    expect(reasonOf(await s.verifier.verify(SECRET_2))).toBe('VALID');
  });

  it('without a limiter store the identity’s limit is not counted here', async () => {
    const s = setup({ first: { identity: identity({ ratelimit: ONE_A_MINUTE }) } }, { limits: false });
    for (let i = 0; i < 3; i++) expect(reasonOf(await s.verifier.verify(SECRET_1))).toBe('VALID');
  });
});

describe('KeyVerifier: the policies of a refused or limited call', () => {
  it('an accepted call of a rate-limited key carries the kw:key policy', async () => {
    const s = setup({ first: { ratelimit: TWO_A_MINUTE } });
    expect(await s.verifier.verify(SECRET_1)).toMatchObject({ valid: true, policies: [{ name: 'kw:key', quota: 2, windowSeconds: 60, remaining: 1, resetMs: 30_000 }] });
  });

  it('a rate-limited metered key lists its credits too, unspent', async () => {
    const s = setup({ first: { ratelimit: ONE_A_MINUTE, credits: CREDITS } });
    await s.verifier.verify(SECRET_1);
    const refused = await s.verifier.verify(SECRET_1);
    expect(!refused.valid && refused.policies?.map((p) => p.name)).toEqual(['kw:key', 'kw:credits']);
    expect(!refused.valid && refused.policies?.[1]).toStrictEqual({ name: 'kw:credits', quota: 10 });
    expect(s.spends).toEqual([['key_1', 1]]);
  });

  it('a metered key without a rate limit carries no policies', async () => {
    const s = setup({ first: { credits: CREDITS } });
    expect(await s.verifier.verify(SECRET_1)).not.toHaveProperty('policies');
  });
});

describe('KeyVerifier: an identity’s credits', () => {
  it('a key metered only through its identity spends there, and an empty shared balance is IDENTITY_CREDITS_EXHAUSTED', async () => {
    const s = setup({ first: { identity: identity({ metered: true }) } }, { spend: { outcome: 'exhausted', remaining: 0, resetAtMs: null } });
    expect(await s.verifier.verify(SECRET_1)).toStrictEqual({ valid: false, code: 'USAGE_EXCEEDED', reason: 'IDENTITY_CREDITS_EXHAUSTED', key: expect.objectContaining({ id: 'key_1' }) });
    expect(s.spends).toEqual([['key_1', 1]]);
  });

  it('with the key’s own credits, an empty balance is CREDITS_EXHAUSTED', async () => {
    const s = setup({ first: { credits: CREDITS, identity: identity({ metered: true }) } }, { spend: { outcome: 'exhausted', remaining: 0, resetAtMs: null } });
    expect(await s.verifier.verify(SECRET_1)).toMatchObject({ valid: false, reason: 'CREDITS_EXHAUSTED' });
  });
});

describe('KeyVerifier.limitState()', () => {
  it('reads the buckets verification spends from, without spending', async () => {
    const shared = identity({ ratelimit: TWO_A_MINUTE });
    const s = setup({ first: { ratelimit: TWO_A_MINUTE, identity: shared } });
    await s.verifier.verify(SECRET_1);
    const state = await s.verifier.limitState('key_1', TWO_A_MINUTE, { id: 'idt_1', ratelimit: TWO_A_MINUTE });
    expect(state).toStrictEqual({ key: { remaining: 1, resetMs: 30_000 }, identity: { remaining: 1, resetMs: 30_000 } });
    // Reading spent nothing.
    expect(await s.verifier.limitState('key_1', TWO_A_MINUTE, { id: 'idt_1', ratelimit: TWO_A_MINUTE })).toStrictEqual(state);
  });

  it('buckets untouched are full; another key’s and another identity’s are their own', async () => {
    const s = setup({ first: { ratelimit: TWO_A_MINUTE, identity: identity({ ratelimit: TWO_A_MINUTE }) } });
    await s.verifier.verify(SECRET_1);
    expect(await s.verifier.limitState('key_2', TWO_A_MINUTE, { id: 'idt_2', ratelimit: TWO_A_MINUTE })).toStrictEqual({ key: { remaining: 2, resetMs: 0 }, identity: { remaining: 2, resetMs: 0 } });
  });

  it('no limit, no identity, or no limiter store: nothing to read', async () => {
    const s = setup({});
    expect(await s.verifier.limitState('key_1', null)).toStrictEqual({ key: null, identity: null });
    expect(await s.verifier.limitState('key_1', undefined, { id: 'idt_1', ratelimit: null })).toStrictEqual({ key: null, identity: null });
    const bare = setup({}, { limits: false });
    expect(await bare.verifier.limitState('key_1', TWO_A_MINUTE, { id: 'idt_1', ratelimit: TWO_A_MINUTE })).toStrictEqual({ key: null, identity: null });
  });
});

describe('toView(): the identity', () => {
  it('a valid decision of a key with an identity shows its id, external id and metadata (not its limits)', () => {
    const k: KeyRecord = { ...KEY, identity: identity({ ratelimit: TWO_A_MINUTE, metered: true }) };
    expect(toView({ valid: true, code: 'VALID', key: k, subject: null, scopes: ['*'] })).toStrictEqual({
      valid: true, code: 'VALID', keyId: 'key_1', appId: 'app_1', kind: 'secret', environment: 'live', scopes: ['*'], subject: null, meta: {}, expiresAtMs: null,
      identity: { id: 'idt_1', externalId: 'acme', meta: { plan: 'team' } },
    });
  });
});
