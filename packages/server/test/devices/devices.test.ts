import { generateKeyPairSync } from 'node:crypto';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeywardClient, createSigner, generateDeviceKeyPair } from '../../../client/src/index.js';
import type { Caller } from '../../src/credentials/caller.js';
import { keywardExpress } from '../../src/middleware/express.js';
import { bearer, makeApi } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const api = await makeApi();
  api.clock.set(Date.now());
  cleanups.push(async () => {
    await api.server.close();
    await api.kw.close();
  });
  const pk = (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: { kind: 'publishable', environment: 'live', name: 'app' } })).json().secret as string;
  const backend = express();
  backend.use(keywardExpress({ verifiers: api.kw.credentials, environment: 'live' }));
  backend.get('/whoami', (_req, res) => res.json((res.locals as { keyward: Caller }).keyward));
  const server = backend.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { api, pk, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('device credentials', () => {
  it('an install registers a WebCrypto key pair and signs requests as itself', async () => {
    const s = await setup();
    const { privateKey, publicJwk } = await generateDeviceKeyPair('ed25519');
    const reg = await s.api.server.inject({ method: 'POST', url: '/v1/devices', headers: { 'x-api-key': s.pk }, payload: { platform: 'ios', appVersion: '3.2.0', publicKey: publicJwk } });
    expect(reg.statusCode).toBe(201);
    const { device } = reg.json();
    expect(device).toMatchObject({ proof: 'ed25519', platform: 'ios' });
    const client = createKeywardClient({ baseUrl: s.baseUrl, signer: createSigner({ keyId: device.id, alg: 'ed25519', key: privateKey }) });
    const me = (await (await client.fetch('/whoami')).json()) as Caller;
    expect(me).toMatchObject({ scheme: 'signature', kind: 'device', id: device.id, subject: device.id, signed: true });
    const revoked = await s.api.server.inject({ method: 'POST', url: `/v1/devices/${device.id}/revoke`, headers: bearer(s.api.root) });
    expect(revoked.json().revokedAt).not.toBeNull();
    await expect(client.fetch('/whoami')).rejects.toMatchObject({ code: 'INVALID_CREDENTIAL' });
  });

  it('a P-256 key pair works too', async () => {
    const s = await setup();
    const { privateKey, publicJwk } = await generateDeviceKeyPair('ecdsa-p256-sha256');
    const { device } = (await s.api.server.inject({ method: 'POST', url: '/v1/devices', headers: { 'x-api-key': s.pk }, payload: { platform: 'android', publicKey: publicJwk } })).json();
    const client = createKeywardClient({ baseUrl: s.baseUrl, signer: createSigner({ keyId: device.id, alg: 'ecdsa-p256-sha256', key: privateKey }) });
    expect(((await (await client.fetch('/whoami')).json()) as Caller).id).toBe(device.id);
  });

  it('without a public key, the install gets a device secret bound to its own id', async () => {
    const s = await setup();
    const reg = (await s.api.server.inject({ method: 'POST', url: '/v1/devices', headers: { 'x-api-key': s.pk }, payload: { platform: 'android' } })).json();
    expect(reg.secret).toMatch(/^kw_dk_live_/);
    const client = createKeywardClient({ baseUrl: s.baseUrl, fetch: (u, i) => fetch(u, { ...i, headers: { ...Object.fromEntries(new Headers(i?.headers)), authorization: `Bearer ${reg.secret}` } }) });
    const me = (await (await client.fetch('/whoami')).json()) as Caller;
    expect(me).toMatchObject({ kind: 'device', subject: reg.device.id });
  });

  it.each([
    ['RSA', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })],
    ['private members', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' })],
    ['symmetric', () => ({ kty: 'oct', k: 'AAAA' })],
  ])('refuses a %s key', async (_name, make) => {
    const s = await setup();
    const res = await s.api.server.inject({ method: 'POST', url: '/v1/devices', headers: { 'x-api-key': s.pk }, payload: { platform: 'ios', publicKey: make() } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('registration needs the app\'s publishable key', async () => {
    const s = await setup();
    const res = await s.api.server.inject({ method: 'POST', url: '/v1/devices', payload: { platform: 'ios' } });
    expect(res.json().code).toBe('UNAUTHORIZED');
  });
});
