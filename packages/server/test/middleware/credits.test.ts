import { afterEach, describe, expect, it } from 'vitest';
import type { KeyCredits } from '../../src/keys/credits.js';
import { createGuard, type GuardOptions } from '../../src/middleware/core.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { CLI, makeKeyward } from '../helpers.js';
import { FRAMEWORKS } from './probes.js';

/**
 * Credits are spent after the route decision, as in the gateway: a call the access map, the
 * app's authorizer or a rate limit refuses costs nothing; an allowed one costs the resource's
 * `cost`; an exhausted key is USAGE_EXCEEDED (429). Balances are read back from the store.
 */
const MAP = compileAccessMap(
  parseAccessMap(`
version: 1
limits:
  one-a-minute: { rate: 1, windowSeconds: 60, burst: 1, by: credential }
resources:
  - path: /users/{userId}/profile
    methods: [GET]
    allow: [publishable]
    subject: userId
    cost: 3
  - path: /limited
    methods: [GET]
    allow: [publishable]
    rateLimits: [one-a-minute]
  - path: /free
    methods: [GET]
    allow: [publishable]
    cost: 0
  - path: /admin
    methods: [GET]
    allow: [secret]
`),
);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(credits: KeyCredits = { amount: 7, refill: 'daily' }) {
  const { kw, clock } = await makeKeyward();
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const metered = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'metered', credits }, CLI);
  const as = (subject: string) => ({ 'x-api-key': metered.secret, 'x-keyward-subject': subject });
  const balance = async () => (await kw.keys.get(metered.key.id)).creditsRemaining;
  const options: GuardOptions = { verifiers: kw.credentials, environment: 'live', accessMap: MAP, now: kw.now };
  return { kw, clock, as, balance, options };
}

describe.each(FRAMEWORKS)('%s middleware: credits after the route decision', (_name, makeProbe) => {
  it('a route the map denies leaves the balance unchanged; an allowed one spends exactly its cost', async () => {
    const s = await setup();
    const probe = await makeProbe(s.options, cleanups);
    expect(await probe(s.as('u1'), '/users/u2/profile')).toMatchObject({ status: 403, code: 'SUBJECT_MISMATCH', reached: false });
    expect(await probe(s.as('u1'), '/not/in/the/map')).toMatchObject({ status: 403, code: 'ACCESS_DENIED', reached: false });
    expect(await probe(s.as('u1'), '/admin')).toMatchObject({ status: 403, code: 'KIND_NOT_ALLOWED', reached: false });
    expect(await s.balance()).toBe(7);
    expect(await probe(s.as('u1'), '/users/u1/profile')).toMatchObject({ status: 200, reached: true });
    expect(await s.balance()).toBe(4);
    expect(await probe(s.as('u1'), '/free')).toMatchObject({ status: 200, reached: true });
    expect(await s.balance()).toBe(4);
  });

  it('a key without enough credits gets 429 USAGE_EXCEEDED with Retry-After, and the balance stays', async () => {
    const s = await setup();
    const probe = await makeProbe(s.options, cleanups);
    expect((await probe(s.as('u1'), '/users/u1/profile')).status).toBe(200);
    expect((await probe(s.as('u1'), '/users/u1/profile')).status).toBe(200);
    expect(await s.balance()).toBe(1);
    const out = await probe(s.as('u1'), '/users/u1/profile');
    expect(out).toMatchObject({ status: 429, code: 'USAGE_EXCEEDED', reached: false });
    expect(out.body.code).toBe('USAGE_EXCEEDED');
    expect(Number(out.headers['retry-after'])).toBeGreaterThan(0);
    expect(await s.balance()).toBe(1);
    // Still denied routes answer their own code (the map runs first), and still cost nothing.
    expect((await probe(s.as('u1'), '/users/u2/profile')).code).toBe('SUBJECT_MISMATCH');
    // The next daily refill restores the balance.
    s.clock.advance(86_400_000);
    expect((await probe(s.as('u1'), '/users/u1/profile')).status).toBe(200);
    expect(await s.balance()).toBe(4);
  });

  it('a call a rate limit refuses spends nothing', async () => {
    const s = await setup();
    const probe = await makeProbe(s.options, cleanups);
    expect((await probe(s.as('u1'), '/limited')).status).toBe(200);
    expect(await s.balance()).toBe(6);
    const limited = await probe(s.as('u1'), '/limited');
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED', reached: false });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await s.balance()).toBe(6);
  });

  it('without a map: every authenticated call spends 1, an authorizer refusal spends nothing', async () => {
    const s = await setup({ amount: 2, refill: null });
    const probe = await makeProbe(
      {
        verifiers: s.kw.credentials,
        environment: 'live',
        authorize: async (caller) => (caller.subject === 'blocked' ? { allowed: false, code: 'ACCESS_DENIED' } : { allowed: true }),
      },
      cleanups,
    );
    expect((await probe(s.as('blocked'))).code).toBe('ACCESS_DENIED');
    expect(await s.balance()).toBe(2);
    expect((await probe(s.as('u1'))).status).toBe(200);
    expect((await probe(s.as('u1'))).status).toBe(200);
    expect(await s.balance()).toBe(0);
    const out = await probe(s.as('u1'));
    expect(out).toMatchObject({ status: 429, code: 'USAGE_EXCEEDED', reached: false });
    // A one-off allowance never refills: no Retry-After to promise.
    expect(out.headers['retry-after']).toBeUndefined();
  });
});

describe('createGuard: the cost of a call', () => {
  const req = (headers: Record<string, string>, path: string) => ({ method: 'GET', rawTarget: path, path, headers, rawHeaders: Object.entries(headers).flat(), clientIp: '127.0.0.1' });

  it("an authorizer's cost overrides the resource's; 0 spends nothing", async () => {
    const s = await setup();
    const costs = [2, 0];
    const guard = createGuard({ ...s.options, authorize: async () => ({ allowed: true, cost: costs.shift()! }) });
    expect(await guard(req(s.as('u1'), '/users/u1/profile'))).toMatchObject({ ok: true });
    expect(await s.balance()).toBe(5);
    expect(await guard(req(s.as('u1'), '/users/u1/profile'))).toMatchObject({ ok: true });
    expect(await s.balance()).toBe(5);
  });

  it('a negative or fractional cost is developer misuse (TypeError), never a credit', async () => {
    const s = await setup();
    for (const cost of [-1, 0.5]) {
      const guard = createGuard({ ...s.options, authorize: async () => ({ allowed: true, cost }) });
      await expect(guard(req(s.as('u1'), '/users/u1/profile'))).rejects.toBeInstanceOf(TypeError);
    }
    expect(await s.balance()).toBe(7);
  });

  it('a key deleted between authentication and the spend is refused as INVALID_CREDENTIAL', async () => {
    const s = await setup();
    const guard = createGuard(s.options);
    const spend = s.kw.verifier.spendDeferred.bind(s.kw.verifier);
    // The store answers not_found, as it would for a row deleted after the (cached) verification.
    s.kw.verifier.spendDeferred = async (_id, cost) => spend('key_doesnotexist', cost);
    const out = await guard(req(s.as('u1'), '/users/u1/profile'));
    expect(out).toMatchObject({ ok: false, status: 401, body: { code: 'INVALID_CREDENTIAL' } });
    expect(await s.balance()).toBe(7);
  });
});
