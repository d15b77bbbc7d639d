import { generateKey } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { createPipeline, type PipelineOptions, type PipelineRequest } from '../../src/credentials/pipeline.js';
import type { KeyCredits } from '../../src/keys/credits.js';
import { manualClock } from '../../src/lib/clock.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { authRequest, stubVerifiers, validKey } from './stubs.js';

/**
 * The pipeline's order and outcomes on stand-in verifiers and the in-memory limiter: a key in the
 * URL first, then authentication, the map, the authorizer, the limits, the credits last.
 * pipeline.test.ts runs the same pipeline end to end in each adapter.
 */
const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const CREDITS: KeyCredits = { amount: 10, refill: null };
const MAP = compileAccessMap(
  parseAccessMap(`
version: 1
limits:
  tight: { rate: 1, windowSeconds: 60, by: credential }
quotas:
  daily: { amount: 1, refill: daily, by: credential }
resources:
  - name: free
    path: /free
    allow: [secret]
    cost: 0
  - name: pricey
    path: /pricey
    allow: [secret]
    cost: 3
  - name: limited
    path: /limited
    allow: [secret]
    rateLimits: [tight]
  - name: quota
    path: /quota
    allow: [secret]
    quota: daily
  - name: versioned
    path: /versioned
    allow: [secret]
    minAppVersion: { live: 2.0.0 }
  - name: tokens
    path: /tokens
    allow: [token]
`),
);

function request(path: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }, target = path): PipelineRequest {
  return { ...authRequest(headers, { rawTarget: target }), path, requestId: 'req_1' };
}

function pipeline(answers: Parameters<typeof stubVerifiers>[0], options: Partial<PipelineOptions> = {}) {
  const stub = stubVerifiers(answers);
  const decisions: [string, string][] = [];
  const run = createPipeline({ verifiers: stub.verifiers, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(Date.UTC(2026, 5, 1)), onDecision: (code, reason) => decisions.push([code, reason]), ...options });
  return { run, seen: stub.seen, decisions };
}

describe('pipeline: a key in the URL', () => {
  it('is refused before authentication, and reported with where and the request id', async () => {
    const key = generateKey('publishable', 'live', (n) => new Uint8Array(n).fill(3));
    const reports: unknown[] = [];
    const { run, seen } = pipeline({ reportKeysInUrl: async (keys, where) => void reports.push({ keys, where }) }, { where: 'gateway' });
    const outcome = await run(request('/free', undefined, `/free?k=${key}`));
    expect(outcome).toEqual({ allow: false, code: 'KEY_IN_URL', headers: {}, detail: expect.stringContaining('never in a URL') });
    expect(reports).toEqual([{ keys: [key], where: { where: 'gateway', requestId: 'req_1' } }]);
    expect(seen.keys).toEqual([]);
    // Refused as well where nothing reports it.
    expect(await pipeline({}).run(request('/free', undefined, `/free?k=${key}`))).toMatchObject({ allow: false, code: 'KEY_IN_URL' });
  });
});

describe('pipeline: authentication', () => {
  it('a refusal answers its code with Retry-After when the credential must wait, and nothing else when not', async () => {
    const limited = pipeline({ key: { valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', retryAfterMs: 1500 } });
    expect(await limited.run(request('/free'))).toEqual({ allow: false, code: 'RATE_LIMITED', headers: { 'retry-after': '2' } });
    const revoked = pipeline({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } });
    expect(await revoked.run(request('/free'))).toStrictEqual({ allow: false, code: 'INVALID_CREDENTIAL', headers: {} });
  });

  it('credits are always deferred, and the app and environment scope reach the verifier', async () => {
    const { run, seen } = pipeline({}, { appId: 'app_1', environment: 'live' });
    await run(request('/free'));
    expect(seen.keys[0]!.requirements).toMatchObject({ deferCredits: true, appId: 'app_1', environment: 'live' });
    const unscoped = pipeline({});
    await unscoped.run(request('/free'));
    expect(unscoped.seen.keys[0]!.requirements).not.toHaveProperty('appId');
    expect(unscoped.seen.keys[0]!.requirements).not.toHaveProperty('environment');
    // The context other schemes receive carries only what was configured.
    const token = { valid: true, code: 'VALID', caller: { scheme: 'token', kind: 'token', id: 'jti', appId: 'app_1', environment: 'live', subject: null, scopes: [], signed: false, session: false, attested: false } } as const;
    const jwt = { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln' };
    const bare = pipeline({ token });
    await bare.run(request('/x', jwt));
    expect(bare.seen.tokens[0]!.context).toStrictEqual({ deferCredits: true });
    const scoped = pipeline({ token }, { appId: 'app_1', environment: 'live' });
    await scoped.run(request('/x', jwt));
    expect(scoped.seen.tokens[0]!.context).toStrictEqual({ deferCredits: true, appId: 'app_1', environment: 'live' });
  });

  it('works without an onDecision hook', async () => {
    const stub = stubVerifiers({});
    const run = createPipeline({ verifiers: stub.verifiers, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(0), accessMap: MAP });
    expect(await run(request('/free'))).toMatchObject({ allow: true });
    expect(await run(request('/nowhere'))).toMatchObject({ allow: false, code: 'ACCESS_DENIED' });
  });

  it('answers a value, not a promise, when no step needs I/O; a step that waits makes it a promise with the same outcome', async () => {
    // Synchronous key answer, in-memory limiter: nothing to wait for (lib/maybe-promise.ts).
    const { run } = pipeline({}, { accessMap: MAP });
    const now = run(request('/limited'));
    expect(now).not.toBeInstanceOf(Promise);
    expect(now).toMatchObject({ allow: true, resource: { name: 'limited' }, responseHeaders: { ratelimit: '"tight";r=0;t=60' } });
    // The same call with a key that needs the store: a promise, and the limit it already spent refuses the call.
    const stub = stubVerifiers({});
    const verify = stub.verifiers.keys.verify.bind(stub.verifiers.keys);
    const slow = createPipeline({ verifiers: { ...stub.verifiers, keys: { ...stub.verifiers.keys, verify: async (v: string, r: Parameters<typeof verify>[1]) => verify(v, r) } as typeof stub.verifiers.keys }, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(Date.UTC(2026, 5, 1)), accessMap: MAP });
    const first = slow(request('/limited'));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ allow: true, resource: { name: 'limited' } });
    expect(await slow(request('/limited'))).toMatchObject({ allow: false, code: 'RATE_LIMITED' });
  });

  it('without a map every authenticated caller passes, with no resource', async () => {
    const { run } = pipeline({});
    const outcome = await run(request('/anything'));
    expect(outcome).toEqual({ allow: true, caller: expect.objectContaining({ id: 'key_1', scheme: 'key' }), responseHeaders: {} });
  });
});

describe('pipeline: the access map', () => {
  it('a refusal answers the map’s code, and every decision is reported', async () => {
    const { run, decisions } = pipeline({}, { accessMap: MAP });
    expect(await run(request('/nowhere'))).toEqual({ allow: false, code: 'ACCESS_DENIED', headers: {} });
    expect(await run(request('/free'))).toMatchObject({ allow: true, resource: { name: 'free' } });
    expect(decisions).toEqual([
      ['ACCESS_DENIED', 'NO_RESOURCE'],
      ['VALID', 'VALID'],
    ]);
  });

  it('the app version header reaches the map', async () => {
    const { run } = pipeline({}, { accessMap: MAP });
    expect(await run(request('/versioned', { authorization: `Bearer ${KEY}`, 'x-keyward-app-version': '2.1.0' }))).toMatchObject({ allow: true });
    expect(await run(request('/versioned', { authorization: `Bearer ${KEY}`, 'x-keyward-app-version': '1.9.0' }))).toMatchObject({ allow: false, code: 'UPGRADE_REQUIRED' });
    expect(await run(request('/versioned'))).toMatchObject({ allow: false, code: 'UPGRADE_REQUIRED' });
    // A repeated header is no version at all.
    const twice = { ...request('/versioned'), headers: { authorization: `Bearer ${KEY}`, 'x-keyward-app-version': ['2.1.0', '2.2.0'] } };
    expect(await run(twice)).toMatchObject({ allow: false, code: 'UPGRADE_REQUIRED' });
  });

  it('the configured audience reaches the map: a token for it passes, any other is refused', async () => {
    const token = (audience: string) => ({ valid: true, code: 'VALID', caller: { scheme: 'token', kind: 'token', id: 'jti', appId: 'app_1', environment: 'live', subject: null, scopes: [], signed: false, session: false, attested: false, audience } }) as const;
    const jwt = { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln' };
    expect(await pipeline({ token: token('orders') }, { accessMap: MAP, audience: 'orders' }).run(request('/tokens', jwt))).toMatchObject({ allow: true });
    expect(await pipeline({ token: token('payments') }, { accessMap: MAP, audience: 'orders' }).run(request('/tokens', jwt))).toMatchObject({ allow: false, code: 'TOKEN_INVALID' });
    expect(await pipeline({ token: token('orders') }, { accessMap: MAP }).run(request('/tokens', jwt))).toMatchObject({ allow: false, code: 'TOKEN_INVALID' });
  });
});

describe('pipeline: the authorizer', () => {
  it('a refusal answers its code with its headers, and spends nothing', async () => {
    const { run, seen } = pipeline({ key: validKey({ credits: CREDITS }) }, { accessMap: MAP, authorize: async () => ({ allowed: false, code: 'ACCESS_DENIED', responseHeaders: { 'x-why': 'no' } }) });
    expect(await run(request('/pricey'))).toEqual({ allow: false, code: 'ACCESS_DENIED', headers: { 'x-why': 'no' } });
    expect(seen.spends).toEqual([]);
  });

  it('its headers join the answer, and its cost replaces the resource’s', async () => {
    const { run, seen } = pipeline({ key: validKey({ credits: CREDITS }) }, { accessMap: MAP, authorize: async () => ({ allowed: true, cost: 5, responseHeaders: { 'x-extra': '1' } }) });
    expect(await run(request('/pricey'))).toMatchObject({ allow: true, responseHeaders: { 'x-extra': '1' } });
    expect(seen.spends).toEqual([{ keyId: 'key_1', cost: 5 }]);
  });

  it('an authorizer that names no cost leaves the resource’s', async () => {
    const { run, seen } = pipeline({ key: validKey({ credits: CREDITS }) }, { accessMap: MAP, authorize: async () => ({ allowed: true }) });
    expect(await run(request('/pricey'))).toMatchObject({ allow: true });
    expect(seen.spends).toEqual([{ keyId: 'key_1', cost: 3 }]);
  });

  it.each([-1, 1.5, 1_000_001])('a cost of %s is developer misuse: a TypeError, nothing spent', async (cost) => {
    const { run, seen } = pipeline({ key: validKey({ credits: CREDITS }) }, { accessMap: MAP, authorize: async () => ({ allowed: true, cost }) });
    await expect(run(request('/pricey'))).rejects.toThrow(new TypeError(`authorize() returned cost ${cost}: a whole number from 0 to 1000000`));
    expect(seen.spends).toEqual([]);
  });

  it('costs 0 and 1,000,000 are accepted; 0 spends nothing', async () => {
    for (const [cost, spends] of [
      [0, []],
      [1_000_000, [{ keyId: 'key_1', cost: 1_000_000 }]],
    ] as const) {
      const { run, seen } = pipeline({ key: validKey({ credits: CREDITS }) }, { accessMap: MAP, authorize: async () => ({ allowed: true, cost }) });
      expect(await run(request('/pricey'))).toMatchObject({ allow: true });
      expect(seen.spends).toEqual(spends);
    }
  });
});

describe('pipeline: limits and credits', () => {
  it('a rate limit allows the first call with its headers, then refuses with Retry-After, before credits', async () => {
    const { run, seen } = pipeline({ key: validKey({ credits: CREDITS }) }, { accessMap: MAP });
    const first = await run(request('/limited'));
    // The map's limit, then the key's credits (a one-off allowance: no window), on every answer.
    expect(first).toMatchObject({ allow: true, responseHeaders: { 'ratelimit-policy': '"tight";q=1;w=60, "kw:credits";q=10' } });
    const second = await run(request('/limited'));
    expect(second).toMatchObject({ allow: false, code: 'RATE_LIMITED', detail: 'rate limit', headers: { 'retry-after': expect.any(String), 'ratelimit-policy': '"tight";q=1;w=60, "kw:credits";q=10' } });
    expect(seen.spends).toEqual([{ keyId: 'key_1', cost: 1 }]);
  });

  it('an exhausted quota is USAGE_EXCEEDED with detail "quota"', async () => {
    const { run } = pipeline({}, { accessMap: MAP });
    expect(await run(request('/quota'))).toMatchObject({ allow: true });
    expect(await run(request('/quota'))).toMatchObject({ allow: false, code: 'USAGE_EXCEEDED', detail: 'quota' });
  });

  it('a metered key pays the resource’s cost; 1 without a map; a cost of 0 spends nothing; an unmetered key never spends', async () => {
    const metered = { key: validKey({ credits: CREDITS }) };
    const pricey = pipeline(metered, { accessMap: MAP });
    await pricey.run(request('/pricey'));
    expect(pricey.seen.spends).toEqual([{ keyId: 'key_1', cost: 3 }]);
    const free = pipeline(metered, { accessMap: MAP });
    await free.run(request('/free'));
    expect(free.seen.spends).toEqual([]);
    const noMap = pipeline(metered);
    await noMap.run(request('/x'));
    expect(noMap.seen.spends).toEqual([{ keyId: 'key_1', cost: 1 }]);
    const unmetered = pipeline({}, { accessMap: MAP });
    await unmetered.run(request('/pricey'));
    expect(unmetered.seen.spends).toEqual([]);
  });

  it('credits that run out are USAGE_EXCEEDED with the wait and a detail; a key deleted meanwhile is INVALID_CREDENTIAL', async () => {
    const empty = pipeline({ key: validKey({ credits: CREDITS }), spend: { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 2500 } });
    expect(await empty.run(request('/x'))).toEqual({ allow: false, code: 'USAGE_EXCEEDED', headers: { 'ratelimit-policy': '"kw:credits";q=10', 'retry-after': '3' }, detail: 'the key has no credits left' });
    const gone = pipeline({ key: validKey({ credits: CREDITS }), spend: { ok: false, code: 'INVALID_CREDENTIAL' } });
    expect(await gone.run(request('/x'))).toStrictEqual({ allow: false, code: 'INVALID_CREDENTIAL', headers: {} });
  });
});
