import type { AddressInfo } from 'node:net';
import express from 'express';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { keywardExpress } from '../../src/middleware/express.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { CLI, makeKeyward } from '../helpers.js';
import { FRAMEWORKS } from './probes.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const { kw } = await makeKeyward();
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const pk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'app', scopes: ['profile:read'] }, CLI);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'srv' }, CLI);
  const test = await kw.keys.create({ appId: app.id, environment: 'test', kind: 'secret', name: 'srv-test' }, CLI);
  return { kw, pk: pk.secret, sk: sk.secret, skId: sk.key.id, testKey: test.secret, verifiers: { keys: kw.verifier } };
}

describe.each(FRAMEWORKS)('%s middleware', (_name, makeProbe) => {
  it('puts the verified caller on the request and refuses everything else with the same codes', async () => {
    const s = await setup();
    const probe = await makeProbe({ verifiers: s.verifiers, environment: 'live' }, cleanups);
    const ok = await probe({ authorization: `Bearer ${s.sk}` });
    expect(ok.status).toBe(200);
    expect(ok.body.caller).toMatchObject({ scheme: 'key', kind: 'secret', id: s.skId, environment: 'live', scopes: ['*'] });
    const pk = await probe({ 'x-api-key': s.pk, 'x-keyward-subject': 'user_7' });
    expect(pk.body.caller).toMatchObject({ kind: 'publishable', subject: 'user_7' });
    expect((await probe({ 'x-api-key': s.pk })).body.code).toBe('SUBJECT_REQUIRED');
    expect((await probe({})).body.code).toBe('CREDENTIAL_MISSING');
    expect((await probe({ authorization: `Bearer ${s.testKey}` })).body.code).toBe('INVALID_CREDENTIAL');
    const inUrl = await probe({ authorization: `Bearer ${s.sk}` }, `/me?key=${s.sk}`);
    expect(inUrl.status).toBe(400);
    expect(inUrl.body.code).toBe('KEY_IN_URL');
  });

  it('sees a revocation on the very next request', async () => {
    const s = await setup();
    const probe = await makeProbe({ verifiers: s.verifiers, environment: 'live' }, cleanups);
    expect((await probe({ authorization: `Bearer ${s.sk}` })).status).toBe(200);
    await s.kw.keys.revoke(s.skId, 'test', CLI);
    const after = await probe({ authorization: `Bearer ${s.sk}` });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('INVALID_CREDENTIAL');
  });
});

describe('Express middleware mounted under a prefix', () => {
  it('matches the access map against the full path, as the gateway does (not the mount-relative req.path)', async () => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'srv' }, CLI);
    const accessMap = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - { path: /api/orders, methods: [GET], allow: [secret] }\n'));
    const api = express();
    api.use('/api', keywardExpress({ verifiers: kw.credentials, accessMap }));
    api.use((_req, res) => res.json({ reached: true }));
    const server = api.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (path: string) => {
      const res = await request(base + path, { headers: { authorization: `Bearer ${sk.secret}` } });
      await res.body.dump();
      return { status: res.statusCode, code: res.headers['x-keyward-code'] };
    };
    expect(await get('/api/orders')).toEqual({ status: 200, code: undefined });
    expect(await get('/api/other')).toEqual({ status: 403, code: 'ACCESS_DENIED' });
  });
});
