import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { manualClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import { createLogger } from '../../src/observability/logger.js';
import { bearer, CLI, makeApi, makeKeyward } from '../helpers.js';
import { createPipeline } from '../../src/credentials/pipeline.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';

const open: Keyward[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function api() {
  const a = await makeApi();
  open.push(a.kw);
  return a;
}

describe('identities over the API', () => {
  it('are created, found, listed, updated and deleted, each change audited; a taken externalId is a CONFLICT', async () => {
    const a = await api();
    const h = bearer(a.root);
    const made = await a.server.inject({ method: 'POST', url: `/v1/apps/${a.appId}/identities`, headers: h, payload: { externalId: 'org_42', meta: { plan: 'pro' } } });
    expect(made.statusCode).toBe(201);
    const id = made.json().id as string;
    expect(made.json()).toMatchObject({ appId: a.appId, externalId: 'org_42', meta: { plan: 'pro' }, ratelimit: null, credits: null });
    const dup = await a.server.inject({ method: 'POST', url: `/v1/apps/${a.appId}/identities`, headers: h, payload: { externalId: 'org_42' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('CONFLICT');
    expect((await a.server.inject({ method: 'GET', url: `/v1/identities/${id}`, headers: h })).json().externalId).toBe('org_42');
    const found = await a.server.inject({ method: 'GET', url: `/v1/apps/${a.appId}/identities?externalId=org_42`, headers: h });
    expect(found.json().items.map((i: { id: string }) => i.id)).toEqual([id]);
    const patched = await a.server.inject({ method: 'PATCH', url: `/v1/identities/${id}`, headers: h, payload: { meta: { plan: 'team' }, credits: { amount: 5, refill: null } } });
    expect(patched.json()).toMatchObject({ meta: { plan: 'team' }, credits: { amount: 5, remaining: 5 }, version: 2 });
    for (const payload of [{ externalId: '' }, { meta: { deep: JSON.parse('['.repeat(20) + ']'.repeat(20)) } }, { credits: { amount: 0, refill: null } }]) {
      const bad = await a.server.inject({ method: 'PATCH', url: `/v1/identities/${id}`, headers: h, payload });
      expect(bad.json().code, JSON.stringify(payload).slice(0, 40)).toBe('VALIDATION_FAILED');
    }
    const gone = await a.server.inject({ method: 'DELETE', url: `/v1/identities/${id}`, headers: h });
    expect(gone.json()).toEqual({ id, deleted: true, detachedKeys: [] });
    expect((await a.server.inject({ method: 'GET', url: `/v1/identities/${id}`, headers: h })).json().code).toBe('NOT_FOUND');
    expect((await a.kw.store.listAudit({ limit: 50, target: id })).map((r) => r.action)).toEqual(['identity.create', 'identity.update', 'identity.delete']);
  });

  it('keys attach at create and update; an identity of another app is refused and creates nothing; delete refuses live keys unless detachKeys=true', async () => {
    const a = await api();
    const h = bearer(a.root);
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const mine = await a.kw.identities.create(a.appId, { externalId: 'u1' }, CLI);
    const theirs = await a.kw.identities.create(other.id, { externalId: 'u1' }, CLI);
    const created = await a.server.inject({ method: 'POST', url: `/v1/apps/${a.appId}/keys`, headers: h, payload: { kind: 'secret', environment: 'live', name: 'k', identityId: mine.id } });
    expect(created.json().key.identityId).toBe(mine.id);
    for (const identityId of [theirs.id, newId('idt')]) {
      const refused = await a.server.inject({ method: 'POST', url: `/v1/apps/${a.appId}/keys`, headers: h, payload: { kind: 'secret', environment: 'live', name: 'k2', identityId } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('VALIDATION_FAILED');
    }
    expect((await a.kw.keys.list({ appId: a.appId }, { limit: 10 })).items).toHaveLength(1);
    const plain = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'later' }, CLI);
    const attached = await a.server.inject({ method: 'PATCH', url: `/v1/keys/${plain.key.id}`, headers: h, payload: { identityId: mine.id } });
    expect(attached.json().identityId).toBe(mine.id);

    const refusedDelete = await a.server.inject({ method: 'DELETE', url: `/v1/identities/${mine.id}`, headers: h });
    expect(refusedDelete.statusCode).toBe(409);
    expect(refusedDelete.json().code).toBe('CONFLICT');
    expect(await a.kw.identities.get(mine.id)).toMatchObject({ id: mine.id });
    const detached = await a.server.inject({ method: 'DELETE', url: `/v1/identities/${mine.id}?detachKeys=true`, headers: h });
    expect(detached.json().detachedKeys.sort()).toEqual([created.json().key.id, plain.key.id].sort());
    expect((await a.kw.keys.get(plain.key.id)).identityId).toBeNull();
    // The detached key keeps working, now without an identity.
    const v = await a.server.inject({ method: 'POST', url: '/v1/keys/verify', headers: h, payload: { key: plain.secret } });
    expect(v.json()).toMatchObject({ valid: true });
    expect(v.json().identity).toBeUndefined();
  });

  it('a root key restricted to another app cannot see or change the identity', async () => {
    const a = await api();
    const other = await a.kw.apps.create({ name: 'other' }, CLI);
    const limited = await a.kw.rootKeys.create({ name: 'o', permissions: ['identities:read', 'identities:write'], appIds: [other.id] }, CLI);
    const identity = await a.kw.identities.create(a.appId, { externalId: 'x' }, CLI);
    for (const [method, url] of [['GET', `/v1/identities/${identity.id}`], ['DELETE', `/v1/identities/${identity.id}`], ['GET', `/v1/apps/${a.appId}/identities`]] as const) {
      expect((await a.server.inject({ method, url, headers: bearer(limited.secret) })).json().code, url).toBe('INSUFFICIENT_PERMISSION');
    }
    expect((await a.server.inject({ method: 'GET', url: `/v1/apps/${other.id}/identities`, headers: bearer(limited.secret) })).statusCode).toBe(200);
  });
});

describe('identities in verification', () => {
  it('/v1/keys/verify answers the identity (id, externalId, meta), and a change to it shows at once', async () => {
    const a = await api();
    const identity = await a.kw.identities.create(a.appId, { externalId: 'org_1', meta: { plan: 'free' } }, CLI);
    const key = await a.kw.keys.create({ appId: a.appId, environment: 'live', kind: 'secret', name: 'k', identityId: identity.id }, CLI);
    const verify = async () => (await a.server.inject({ method: 'POST', url: '/v1/keys/verify', headers: bearer(a.root), payload: { key: key.secret } })).json();
    expect((await verify()).identity).toEqual({ id: identity.id, externalId: 'org_1', meta: { plan: 'free' } });
    await a.kw.identities.update(identity.id, { meta: { plan: 'pro' } }, CLI);
    expect((await verify()).identity).toEqual({ id: identity.id, externalId: 'org_1', meta: { plan: 'pro' } });
  });

  it('one rate limit is shared by every key of the identity', async () => {
    const { kw } = await makeKeyward();
    open.push(kw);
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const identity = await kw.identities.create(app.id, { externalId: 'c', ratelimit: { rate: 2, windowSeconds: 60, burst: 2 } }, CLI);
    const k1 = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: '1', identityId: identity.id }, CLI);
    const k2 = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: '2', identityId: identity.id }, CLI);
    const solo = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'solo' }, CLI);
    expect((await kw.verifier.verify(k1.secret)).valid).toBe(true);
    expect((await kw.verifier.verify(k2.secret)).valid).toBe(true);
    expect(await kw.verifier.verify(k1.secret)).toMatchObject({ valid: false, code: 'RATE_LIMITED', reason: 'IDENTITY_RATE_LIMIT' });
    expect(await kw.verifier.verify(k2.secret)).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
    // A key outside the identity is not limited by it.
    for (let i = 0; i < 3; i++) expect((await kw.verifier.verify(solo.secret)).valid).toBe(true);
  });

  for (const backend of ['memory', 'file'] as const) {
    it(`credits are one balance for every key of the identity, spent with the key's own in one step (${backend} store)`, async () => {
      let kw: Keyward;
      if (backend === 'memory') kw = (await makeKeyward()).kw;
      else {
        const dir = mkdtempSync(path.join(tmpdir(), 'kw-idt-'));
        dirs.push(dir);
        kw = await createKeyward({ config: { dataDir: dir, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 }, now: manualClock(Date.UTC(2026, 5, 1)), logger: createLogger('silent'), keyring: undefined });
      }
      open.push(kw);
      const app = await kw.apps.create({ name: 'a' }, CLI);
      const identity = await kw.identities.create(app.id, { externalId: 'c', credits: { amount: 5, refill: null } }, CLI);
      const k1 = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: '1', identityId: identity.id }, CLI);
      const k2 = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: '2', identityId: identity.id, credits: { amount: 100, refill: null } }, CLI);
      // Twenty concurrent calls over both keys: exactly five pass.
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kw.verifier.verify(i % 2 ? k1.secret : k2.secret)));
      expect(results.filter((r) => r.valid)).toHaveLength(5);
      expect(results.filter((r) => !r.valid).every((r) => r.code === 'USAGE_EXCEEDED')).toBe(true);
      expect((await kw.identities.get(identity.id)).creditsRemaining).toBe(0);
      // The key's own balance paid only for the calls that passed (a refused call spends from neither).
      const spentByK2 = results.filter((r, i) => r.valid && i % 2 === 0).length;
      expect((await kw.keys.get(k2.key.id)).creditsRemaining).toBe(100 - spentByK2);
    });
  }
});

describe('identities in the pipeline (gateway and middlewares)', () => {
  it("a call's cost is spent from the identity's shared credits after the map allowed it; a denied call spends nothing", async () => {
    const { kw } = await makeKeyward();
    open.push(kw);
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const identity = await kw.identities.create(app.id, { externalId: 'c', credits: { amount: 4, refill: null } }, CLI);
    const k1 = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: '1', identityId: identity.id }, CLI);
    const k2 = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: '2', identityId: identity.id }, CLI);
    const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - path: /reports\n    methods: [GET]\n    allow: [secret]\n    cost: 3\n'));
    const run = createPipeline({ verifiers: kw.credentials, where: 'test', accessMap: map, limits: kw.limits, now: kw.now });
    const call = (key: string, path: string) => {
      const headers = { authorization: `Bearer ${key}` };
      return run({ method: 'GET', rawTarget: path, path, headers, rawHeaders: Object.entries(headers).flat(), clientIp: '127.0.0.1', requestId: 'req_t' });
    };
    expect((await call(k1.secret, '/elsewhere')).allow).toBe(false);
    expect((await kw.identities.get(identity.id)).creditsRemaining).toBe(4);
    expect((await call(k1.secret, '/reports')).allow).toBe(true);
    expect((await kw.identities.get(identity.id)).creditsRemaining).toBe(1);
    expect(await call(k2.secret, '/reports')).toMatchObject({ allow: false, code: 'USAGE_EXCEEDED' });
    expect((await kw.identities.get(identity.id)).creditsRemaining).toBe(1);
  });
});
