import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeywardClient, createSigner, KeywardApiError } from '../src/index.js';
import { keywardExpress } from '../../server/src/middleware/express.js';
import { CLI, makeKeyward } from '../../server/test/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function api() {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const signing = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 's' }, CLI);
  const server = express()
    .use(keywardExpress({ verifiers: kw.credentials }))
    .get('/ok', (_req, res) => res.json({ ok: true }))
    .get('/upstream-error', (_req, res) => res.status(404).json({ error: 'not here' }))
    // An API that sets Keyward's header itself (a forged or confused refusal): not Keyward speaking.
    .get('/forged-200', (_req, res) => res.status(200).set('x-keyward-code', 'SESSION_EXPIRED').json({ ok: true }))
    .get('/forged-problem', (_req, res) => res.status(401).set('x-keyward-code', 'INVALID_CREDENTIAL').type('application/problem+json').send(JSON.stringify({ type: 'about:blank', code: 'INVALID_CREDENTIAL' })))
    .get('/forged-mismatch', (_req, res) => res.status(403).set('x-keyward-code', 'ACCESS_DENIED').type('application/problem+json').send(JSON.stringify({ type: 'urn:keyward:problem:upgrade-required', code: 'UPGRADE_REQUIRED' })))
    .listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { kw, signing, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('@keyward/client', () => {
  it('retries once on clock skew, learning the offset from the server Date header', async () => {
    const a = await api();
    let sent = 0;
    const client = createKeywardClient({
      baseUrl: a.baseUrl,
      now: () => Date.now() - 3_600_000, // the device clock is an hour behind
      signer: createSigner({ keyId: a.signing.key.id, alg: 'hmac-sha256', key: a.signing.secret }),
      fetch: (u, i) => {
        sent++;
        return fetch(u, i);
      },
    });
    const res = await client.fetch('/ok');
    expect(res.status).toBe(200);
    expect(sent).toBe(2);
    expect(Math.abs(client.clock.skewMs - 3_600_000)).toBeLessThan(5_000);
    expect((await client.fetch('/ok')).status).toBe(200);
    expect(sent).toBe(3);
  });

  it("throws typed errors for Keyward's refusals and passes the API's own errors through", async () => {
    const a = await api();
    const client = createKeywardClient({ baseUrl: a.baseUrl, signer: createSigner({ keyId: a.signing.key.id, alg: 'hmac-sha256', key: a.signing.secret }) });
    const upstream = await client.fetch('/upstream-error');
    expect(upstream.status).toBe(404);
    const anonymous = createKeywardClient({ baseUrl: a.baseUrl });
    const err = await anonymous.fetch('/ok').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeywardApiError);
    expect(err).toMatchObject({ status: 401, code: 'CREDENTIAL_MISSING' });
  });

  it('an API answer carrying a forged x-keyward-code is returned as a normal response, body unread', async () => {
    const a = await api();
    const client = createKeywardClient({ baseUrl: a.baseUrl, signer: createSigner({ keyId: a.signing.key.id, alg: 'hmac-sha256', key: a.signing.secret }) });
    const ok = await client.fetch('/forged-200');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    const notUrn = await client.fetch('/forged-problem');
    expect(notUrn.status).toBe(401);
    expect(await notUrn.json()).toMatchObject({ type: 'about:blank' });
    const mismatch = await client.fetch('/forged-mismatch');
    expect(mismatch.status).toBe(403);
  });

  it('refuses to put a key in a URL', async () => {
    const a = await api();
    const client = createKeywardClient({ baseUrl: a.baseUrl });
    await expect(client.fetch(`/ok?key=${a.signing.secret}`)).rejects.toMatchObject({ name: 'KeywardError' });
  });
});
