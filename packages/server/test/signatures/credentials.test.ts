import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeywardClient } from '../../../client/src/index.js';
import { createSigner } from '../../../client/src/signer.js';
import type { Caller } from '../../src/credentials/caller.js';
import { keywardExpress } from '../../src/middleware/express.js';
import { CLI, makeKeyward } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A real API behind Keyward's Express middleware, called with the real SDK over real HTTP. */
async function setup() {
  const { kw, clock } = await makeKeyward();
  cleanups.push(() => kw.close());
  clock.set(Date.now());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const signing = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'backend-to-backend', scopes: ['orders:write'] }, CLI);
  const api = express();
  api.use(keywardExpress({ verifiers: kw.credentials, environment: 'live' }));
  api.post('/orders', express.json(), (req, res) => res.json({ caller: (res.locals as { keyward: Caller }).keyward, got: req.body }));
  const server = api.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { kw, clock, app, signing, baseUrl };
}

describe('HMAC signing credentials end to end', () => {
  it('the secret is shown once, kept only hashed plus sealed, and signs requests the middleware accepts', async () => {
    const s = await setup();
    expect(s.signing.secret).toMatch(/^kw_hk_live_/);
    const rows = await s.kw.store.db.selectFrom('key_secrets').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(s.signing.secret);
    const client = createKeywardClient({ baseUrl: s.baseUrl, signer: createSigner({ keyId: s.signing.key.id, alg: 'hmac-sha256', key: s.signing.secret }) });
    const res = await client.fetch('/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A1"}' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { caller: Caller; got: unknown };
    expect(body.caller).toMatchObject({ scheme: 'signature', kind: 'signing', id: s.signing.key.id, signed: true, scopes: ['orders:write'] });
    expect(body.got).toEqual({ sku: 'A1' });
  });

  it('a replayed signed request is refused, a changed body is refused', async () => {
    const s = await setup();
    const signer = createSigner({ keyId: s.signing.key.id, alg: 'hmac-sha256', key: s.signing.secret });
    const url = new URL('/orders', s.baseUrl);
    const headers = new Headers({ 'content-type': 'application/json' });
    const body = new TextEncoder().encode('{"sku":"A1"}');
    const added = await signer.sign({ method: 'POST', url, headers, body }, Math.floor(Date.now() / 1000));
    const send = (b: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...added }, body: b });
    expect((await send('{"sku":"A1"}')).status).toBe(200);
    const replay = await send('{"sku":"A1"}');
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('SIGNATURE_REPLAYED');
    const signer2 = await signer.sign({ method: 'POST', url, headers, body }, Math.floor(Date.now() / 1000));
    const tampered = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signer2 }, body: '{"sku":"A2"}' });
    expect(((await tampered.json()) as { code: string }).code).toBe('DIGEST_MISMATCH');
  });

  it('rotation keeps the old secret signing until the grace period ends; revocation stops it at once', async () => {
    const s = await setup();
    const rotated = await s.kw.keys.rotate(s.signing.key.id, 60, CLI);
    const call = (secret: string) =>
      createKeywardClient({ baseUrl: s.baseUrl, signer: createSigner({ keyId: s.signing.key.id, alg: 'hmac-sha256', key: secret }) })
        .fetch('/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        .then((r) => r.status, (e: { status?: number }) => e.status ?? 0);
    expect(await call(s.signing.secret)).toBe(200);
    expect(await call(rotated.secret)).toBe(200);
    await s.kw.keys.revoke(s.signing.key.id, 'done', CLI);
    expect(await call(rotated.secret)).toBe(401);
  });

  it('the SDK throws a typed error carrying the server code', async () => {
    const s = await setup();
    const client = createKeywardClient({ baseUrl: s.baseUrl, signer: createSigner({ keyId: 'key_0000000000000000000000', alg: 'hmac-sha256', key: s.signing.secret }) });
    await expect(client.fetch('/orders', { method: 'POST', body: '{}' })).rejects.toMatchObject({ name: 'KeywardApiError', status: 401, code: 'INVALID_CREDENTIAL' });
  });
});
