import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/anomaly/model.js';
import { createPipeline, type PipelineOptions, type PipelineRequest } from '../../src/credentials/pipeline.js';
import type { KeyCredits } from '../../src/keys/credits.js';
import type { KeyDecision } from '../../src/keys/decide.js';
import type { KeyRecord } from '../../src/keys/model.js';
import { manualClock } from '../../src/lib/clock.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import type { PolicyState } from '../../src/ratelimit/headers.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/ratelimit/store.js';
import { authRequest, stubVerifiers, validKey } from './stubs.js';

/**
 * The pipeline's budgets and the rest of its outcome on stand-in verifiers and the in-memory
 * limiter: a key refused by its own limit, what anomaly detection observes, the injected secret,
 * the map's limits on a store that answers later, and the credits' RateLimit policy after a spend.
 */
const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const NOW = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;
const DAILY: KeyCredits = { amount: 10, refill: 'daily' };
const MAP = compileAccessMap(
  parseAccessMap(`
version: 1
limits:
  tight: { rate: 1, windowSeconds: 60, by: credential }
quotas:
  daily: { amount: 100, refill: daily, by: credential }
resources:
  - { name: open, path: /open, allow: [secret] }
  - { name: limited, path: /limited, allow: [secret], rateLimits: [tight], quota: daily, cost: 2 }
  - name: proxied
    path: /proxied
    allow: [secret]
    injectSecret: { name: openai, header: Authorization, format: "Bearer {secret}" }
`),
);

function request(path: string, headers: Record<string, string | string[]> = { authorization: `Bearer ${KEY}` }): PipelineRequest {
  return { ...authRequest(headers, { rawTarget: path }), path, requestId: 'req_1' };
}

function pipeline(answers: Parameters<typeof stubVerifiers>[0], options: Partial<PipelineOptions> = {}) {
  const stub = stubVerifiers(answers);
  const run = createPipeline({ verifiers: stub.verifiers, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(NOW), ...options });
  return { run, seen: stub.seen, verifiers: stub.verifiers };
}

/** A key metered through its identity only: credits are spent, but the key has none of its own to list. */
const IDENTITY_METERED = { credits: null, identity: { metered: true } } as unknown as Partial<KeyRecord>;
const withPolicies = (d: KeyDecision, policies: readonly PolicyState[]): KeyDecision => ({ ...d, policies }) as KeyDecision;
const IDENTITY_STATE: PolicyState = { name: 'kw:identity', quota: 5, windowSeconds: 60, remaining: 4, resetMs: 12_000 };

describe('pipeline: a key refused by its own rate limit', () => {
  // The verifier's policies with the credits in the middle: the answer lists them last whatever the order.
  const refused = withPolicies({ valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', retryAfterMs: 9000 }, [
    { name: 'kw:key', quota: 2, windowSeconds: 60, remaining: 0, resetMs: 30_000, nextMs: 9000, refused: true },
    { name: 'kw:credits', quota: 10 },
    { name: 'kw:identity', quota: 5, windowSeconds: 60 },
  ]);

  it('lists its own policies, then the route’s map policies (not counted), then its credits', async () => {
    const { run } = pipeline({ key: refused }, { accessMap: MAP });
    expect(await run(request('/limited'))).toStrictEqual({
      allow: false,
      code: 'RATE_LIMITED',
      headers: { 'ratelimit-policy': '"kw:key";q=2;w=60, "kw:identity";q=5;w=60, "tight";q=1;w=60, "daily";q=100;w=86400, "kw:credits";q=10', ratelimit: '"kw:key";r=0;t=9', 'retry-after': '9' },
    });
  });

  it('lists no map policy without a map, or on a route the map does not have', async () => {
    const expected = { allow: false, code: 'RATE_LIMITED', headers: { 'ratelimit-policy': '"kw:key";q=2;w=60, "kw:identity";q=5;w=60, "kw:credits";q=10', ratelimit: '"kw:key";r=0;t=9', 'retry-after': '9' } };
    expect(await pipeline({ key: refused }).run(request('/limited'))).toStrictEqual(expected);
    expect(await pipeline({ key: refused }, { accessMap: MAP }).run(request('/nowhere'))).toStrictEqual(expected);
  });
});

describe('pipeline: what anomaly detection observes', () => {
  function observed(answers: Parameters<typeof stubVerifiers>[0], options: Partial<PipelineOptions> = {}) {
    const seen: Observation[] = [];
    const stub = stubVerifiers(answers);
    const run = createPipeline({ verifiers: { ...stub.verifiers, observe: (o) => void seen.push(o) }, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(NOW), ...options });
    return { run, seen };
  }

  it('a verified caller, with the client address, user agent and the time', async () => {
    const { run, seen } = observed({ key: validKey({}, 'alice') });
    await run(request('/x', { authorization: `Bearer ${KEY}`, 'user-agent': 'app/1.0' }));
    expect(seen).toEqual([{ atMs: NOW, appId: 'app_1', credentialId: 'key_1', credentialKind: 'secret', subject: 'alice', clientIp: '203.0.113.7', userAgent: 'app/1.0', failed: false, signatureFailed: false }]);
  });

  it('no user agent, or a repeated one, is observed as none', async () => {
    const { run, seen } = observed({});
    await run(request('/x'));
    await run(request('/x', { authorization: `Bearer ${KEY}`, 'user-agent': ['a', 'b'] }));
    expect(seen.map((o) => o.userAgent)).toEqual([null, null]);
  });

  it('a failed verification carries the pipeline’s app, or none when it serves every app', async () => {
    const revoked = { key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } } as const;
    const scoped = observed(revoked, { appId: 'app_1' });
    await scoped.run(request('/x'));
    expect(scoped.seen).toEqual([{ atMs: NOW, appId: 'app_1', credentialId: null, credentialKind: null, subject: null, clientIp: '203.0.113.7', userAgent: null, failed: true, signatureFailed: false }]);
    const open = observed(revoked);
    await open.run(request('/x'));
    expect(open.seen.map((o) => o.appId)).toEqual([null]);
  });
});

describe('pipeline: the secret a resource injects', () => {
  function secrets(values: Record<string, string>) {
    const asked: [string, string, string][] = [];
    return {
      asked,
      secrets: {
        reveal: async (appId: string, environment: 'live' | 'test', name: string) => {
          asked.push([appId, environment, name]);
          return values[name];
        },
      },
    };
  }

  it('is opened for the caller’s app and environment and handed on with the outcome', async () => {
    const s = secrets({ openai: 'sk-upstream' });
    const outcome = await pipeline({}, { accessMap: MAP, secrets: s.secrets }).run(request('/proxied'));
    expect(outcome).toMatchObject({ allow: true, resource: { name: 'proxied' }, injected: 'sk-upstream' });
    expect(s.asked).toEqual([['app_1', 'live', 'openai']]);
  });

  it('one never set is SECRET_NOT_SET, before the authorizer or the credits', async () => {
    const s = secrets({});
    let authorized = 0;
    const { run, seen } = pipeline({ key: validKey({ credits: DAILY }) }, { accessMap: MAP, secrets: s.secrets, authorize: async () => (authorized++, { allowed: true }) });
    const outcome = await run(request('/proxied'));
    expect(outcome).toStrictEqual({ allow: false, code: 'SECRET_NOT_SET', headers: {}, detail: expect.stringMatching(/\S/) });
    expect(authorized).toBe(0);
    expect(seen.spends).toEqual([]);
  });

  it('is not looked up where the route injects none, and ignored without a secret service', async () => {
    const s = secrets({ openai: 'sk-upstream' });
    const plain = await pipeline({}, { accessMap: MAP, secrets: s.secrets }).run(request('/open'));
    expect(plain).toMatchObject({ allow: true, resource: { name: 'open' } });
    expect(plain).not.toHaveProperty('injected');
    expect(s.asked).toEqual([]);
    const none = await pipeline({}, { accessMap: MAP }).run(request('/proxied'));
    expect(none).toMatchObject({ allow: true, resource: { name: 'proxied' } });
    expect(none).not.toHaveProperty('injected');
  });

  it('without a map there is no resource, so nothing to inject and no resource in the outcome', async () => {
    const s = secrets({ openai: 'sk-upstream' });
    const outcome = await pipeline({}, { secrets: s.secrets }).run(request('/proxied'));
    expect(outcome).toStrictEqual({ allow: true, caller: expect.objectContaining({ id: 'key_1' }), responseHeaders: {} });
    expect(s.asked).toEqual([]);
  });
});

describe('pipeline: the map’s limits on a store that answers later', () => {
  it('allows, then refuses, with the same answers as a synchronous store', async () => {
    const memory = new MemoryRateLimitStore();
    const later: RateLimitStore = {
      consume: (...a) => memory.consume(...a),
      spend: (...a) => memory.spend(...a),
      consumeAll: async (ops, nowMs) => memory.consumeAll(ops, nowMs),
    };
    const { run } = pipeline({}, { accessMap: MAP, limits: later });
    const first = await run(request('/limited'));
    expect(first).toMatchObject({ allow: true, resource: { name: 'limited' }, responseHeaders: { 'ratelimit-policy': '"tight";q=1;w=60, "daily";q=100;w=86400' } });
    expect(await run(request('/limited'))).toMatchObject({ allow: false, code: 'RATE_LIMITED', detail: 'rate limit', headers: { 'retry-after': '60' } });
  });
});

describe('pipeline: the credits’ policy after the spend', () => {
  it('an allowed spend reports the balance and the wait for the refill', async () => {
    const { run } = pipeline({ key: validKey({ credits: DAILY }), spend: { ok: true, remaining: 7, resetAtMs: NOW + HOUR } });
    expect(await run(request('/x'))).toStrictEqual({ allow: true, caller: expect.objectContaining({ id: 'key_1' }), responseHeaders: { 'ratelimit-policy': '"kw:credits";q=10;w=86400', ratelimit: '"kw:credits";r=7;t=3600' } });
  });

  it('a spend that does not say its balance and reset reports the policy only', async () => {
    for (const spend of [{ ok: true, remaining: 7 }, { ok: true, resetAtMs: NOW + HOUR }, { ok: true }] as const) {
      const { run } = pipeline({ key: validKey({ credits: DAILY }), spend });
      const outcome = (await run(request('/x'))) as { allow: true; responseHeaders: Record<string, string> };
      expect(outcome.responseHeaders).toStrictEqual({ 'ratelimit-policy': '"kw:credits";q=10;w=86400' });
    }
  });

  it('a key metered only through its identity lists no credits of its own, whatever the spend says', async () => {
    const { run } = pipeline({ key: validKey(IDENTITY_METERED), spend: { ok: true, remaining: 7, resetAtMs: NOW + HOUR } });
    expect(await run(request('/x'))).toStrictEqual({ allow: true, caller: expect.objectContaining({ id: 'key_1', meteredKey: true }), responseHeaders: {} });
  });

  it('credits that run out: Retry-After is the credits’ own wait when their policy states one', async () => {
    const { run } = pipeline({ key: validKey({ credits: DAILY }), spend: { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 2500, remaining: 0, resetAtMs: NOW + HOUR } });
    expect(await run(request('/x'))).toStrictEqual({
      allow: false,
      code: 'USAGE_EXCEEDED',
      headers: { 'ratelimit-policy': '"kw:credits";q=10;w=86400', ratelimit: '"kw:credits";r=0;t=3600', 'retry-after': '3600' },
      detail: expect.stringMatching(/\S/),
    });
  });

  it('credits that run out on an identity-metered key list its own limits and the map’s, with the spend’s wait', async () => {
    const own = pipeline({ key: withPolicies(validKey(IDENTITY_METERED), [IDENTITY_STATE]), spend: { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 2500 } });
    expect(await own.run(request('/x'))).toMatchObject({ allow: false, code: 'USAGE_EXCEEDED', headers: { 'ratelimit-policy': '"kw:identity";q=5;w=60', ratelimit: '"kw:identity";r=4;t=12', 'retry-after': '3' } });
    const mapped = pipeline({ key: validKey(IDENTITY_METERED), spend: { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 2500 } }, { accessMap: MAP });
    expect(await mapped.run(request('/limited'))).toMatchObject({ allow: false, code: 'USAGE_EXCEEDED', headers: { 'ratelimit-policy': '"tight";q=1;w=60, "daily";q=100;w=86400', 'retry-after': '3' } });
    const bare = pipeline({ key: validKey(IDENTITY_METERED), spend: { ok: false, code: 'USAGE_EXCEEDED', retryAfterMs: 2500 } });
    expect(await bare.run(request('/x'))).toStrictEqual({ allow: false, code: 'USAGE_EXCEEDED', headers: { 'retry-after': '3' }, detail: expect.stringMatching(/\S/) });
  });
});

describe('pipeline: the budgets on an allowed call', () => {
  it('a key’s own limits are listed without a map', async () => {
    const { run } = pipeline({ key: withPolicies(validKey(), [IDENTITY_STATE]) });
    expect(await run(request('/x'))).toStrictEqual({ allow: true, caller: expect.objectContaining({ id: 'key_1' }), responseHeaders: { 'ratelimit-policy': '"kw:identity";q=5;w=60', ratelimit: '"kw:identity";r=4;t=12' } });
  });

  it('a key’s credits are listed without a map, and nothing for a key with no budget', async () => {
    const metered = pipeline({ key: validKey({ credits: DAILY }) });
    expect(await metered.run(request('/x'))).toMatchObject({ allow: true, responseHeaders: { 'ratelimit-policy': '"kw:credits";q=10;w=86400' } });
    const free = pipeline({}, { accessMap: MAP });
    expect(await free.run(request('/open'))).toMatchObject({ allow: true, resource: { name: 'open' }, responseHeaders: {} });
  });
});
