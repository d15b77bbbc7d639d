import { afterEach, describe, expect, it } from 'vitest';
import type { Keyward } from '../../src/keyward.js';
import { bearer, CLI, makeApi } from '../helpers.js';

const open: Keyward[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe('GET /v1/keys/{keyId}/limits', () => {
  it("reports the bucket verifications spend from, own and identity's, without spending from it", async () => {
    const a = await makeApi();
    open.push(a.kw);
    const identity = await a.kw.identities.create(a.appId, { externalId: 'cust_1', ratelimit: { rate: 10, windowSeconds: 60, burst: 10 } }, CLI);
    const created = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'svc', ratelimit: { rate: 5, windowSeconds: 60, burst: 5 }, identityId: identity.id }, CLI);
    const limits = async () => (await a.server.inject({ method: 'GET', url: `/v1/keys/${created.key.id}/limits`, headers: bearer(a.root) })).json();

    const fresh = await limits();
    expect(fresh).toMatchObject({ keyId: created.key.id, ratelimit: { rate: 5, windowSeconds: 60, burst: 5, remaining: 5 }, identityRatelimit: { rate: 10, remaining: 10 }, creditsRemaining: null });
    // Reading is not spending: asked again, still the whole burst.
    expect((await limits()).ratelimit.remaining).toBe(5);

    for (let i = 0; i < 2; i++) expect((await a.kw.verifier.verify(created.secret)).valid).toBe(true);
    const after = await limits();
    expect(after.ratelimit.remaining).toBe(3);
    expect(after.identityRatelimit.remaining).toBe(8);
    // Two calls at 12 s each: full again 24 s from now on the frozen clock.
    expect(Date.parse(after.ratelimit.fullAt) - a.clock()).toBe(24_000);
  });

  it('answers null for a key without limits, and refuses other apps and missing permissions', async () => {
    const a = await makeApi();
    open.push(a.kw);
    const plain = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'plain' }, CLI);
    expect((await a.server.inject({ method: 'GET', url: `/v1/keys/${plain.key.id}/limits`, headers: bearer(a.root) })).json()).toEqual({ keyId: plain.key.id, ratelimit: null, identityRatelimit: null, creditsRemaining: null });
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const scoped = await a.kw.rootKeys.create({ name: 'other only', permissions: ['keys:read'], appIds: [other.id] }, CLI);
    expect((await a.server.inject({ method: 'GET', url: `/v1/keys/${plain.key.id}/limits`, headers: bearer(scoped.secret) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    const noRead = await a.kw.rootKeys.create({ name: 'audit only', permissions: ['audit:read'] }, CLI);
    expect((await a.server.inject({ method: 'GET', url: `/v1/keys/${plain.key.id}/limits`, headers: bearer(noRead.secret) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await a.server.inject({ method: 'GET', url: '/v1/keys/key_0000000000000000000000/limits', headers: bearer(a.root) })).json().code).toBe('NOT_FOUND');
  });
});
