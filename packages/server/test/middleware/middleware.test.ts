import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Caller } from '../../src/credentials/caller.js';
import { keywardExpress } from '../../src/middleware/express.js';
import { keywardFastify } from '../../src/middleware/fastify.js';
import { keywardHono } from '../../src/middleware/hono.js';
import { CLI, makeKeyward } from '../helpers.js';

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

type Probe = (headers: Record<string, string>, path?: string) => Promise<{ status: number; body: Record<string, unknown> }>;

async function expressProbe(s: Awaited<ReturnType<typeof setup>>): Promise<Probe> {
  const app = express();
  app.use(keywardExpress({ verifiers: s.verifiers, environment: 'live' }));
  app.get('/me', (_req, res) => res.json({ caller: (res.locals as { keyward: Caller }).keyward }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (headers, path = '/me') => {
    const res = await request(base + path, { headers });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
}

async function fastifyProbe(s: Awaited<ReturnType<typeof setup>>): Promise<Probe> {
  const app = Fastify();
  await app.register(keywardFastify({ verifiers: s.verifiers, environment: 'live' }));
  app.get('/me', async (req) => ({ caller: req.keyward }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return async (headers, path = '/me') => {
    const res = await request(base + path, { headers });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
}

async function honoProbe(s: Awaited<ReturnType<typeof setup>>): Promise<Probe> {
  const app = new Hono<{ Variables: { keyward: Caller } }>();
  app.use('*', keywardHono({ verifiers: s.verifiers, environment: 'live' }));
  app.get('/me', (c) => c.json({ caller: c.get('keyward') }));
  return async (headers, path = '/me') => {
    const res = await app.request(`http://localhost${path}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

describe.each([
  ['Express', expressProbe],
  ['Fastify', fastifyProbe],
  ['Hono', honoProbe],
])('%s middleware', (_name, makeProbe) => {
  it('puts the verified caller on the request and refuses everything else with the same codes', async () => {
    const s = await setup();
    const probe = await makeProbe(s);
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
    const probe = await makeProbe(s);
    expect((await probe({ authorization: `Bearer ${s.sk}` })).status).toBe(200);
    await s.kw.keys.revoke(s.skId, 'test', CLI);
    const after = await probe({ authorization: `Bearer ${s.sk}` });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('INVALID_CREDENTIAL');
  });
});
