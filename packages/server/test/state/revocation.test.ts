import { afterEach, describe, expect, it } from 'vitest';
import { generateDeviceKeyPair } from '../../../client/src/index.js';
import { createSigner } from '../../../client/src/signer.js';
import { authenticate } from '../../src/credentials/authenticate.js';
import { CLI } from '../helpers.js';
import { eventually, POLL_MS, SHARED_BACKENDS, signedRequest, twoInstances, type SharedBackend } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(backend: SharedBackend) {
  const s = await twoInstances({}, backend);
  cleanups.push(s.close);
  const app = await s.a.apps.create({ name: 'a' }, CLI);
  return { ...s, app };
}

/** The bound the brief sets: a few poll intervals (the poll itself, the cache drop, scheduling slack). */
const WITHIN_MS = POLL_MS * 10;

describe.each(SHARED_BACKENDS)('a revocation on one process reaches the caches of another on the same %s store within the poll bound', (backend) => {
  it('a revoked HMAC signing credential is refused by the other instance', async () => {
    const s = await setup(backend);
    const k = await s.a.keys.create({ appId: s.app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const signer = createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: k.secret });
    expect(await authenticate(await signedRequest(signer), s.b.credentials)).toMatchObject({ valid: true }); // cached on b
    await s.a.keys.revoke(k.key.id, 'leaked', CLI);
    const refused = await eventually(async () => !(await authenticate(await signedRequest(signer), s.b.credentials)).valid, WITHIN_MS);
    expect(refused).toBe(true);
    expect(await authenticate(await signedRequest(signer), s.b.credentials)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
  });

  it('after a rotation with grace 0 the old secret is refused by the other instance, the new one accepted', async () => {
    const s = await setup(backend);
    const k = await s.a.keys.create({ appId: s.app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const old = createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: k.secret });
    expect(await authenticate(await signedRequest(old), s.b.credentials)).toMatchObject({ valid: true });
    const rotated = await s.a.keys.rotate(k.key.id, 0, CLI);
    const fresh = createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: rotated.secret });
    expect(await eventually(async () => !(await authenticate(await signedRequest(old), s.b.credentials)).valid, WITHIN_MS)).toBe(true);
    expect(await authenticate(await signedRequest(old), s.b.credentials)).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
    expect(await authenticate(await signedRequest(fresh), s.b.credentials)).toMatchObject({ valid: true });
  });

  it('a revoked device key is refused by the other instance', async () => {
    const s = await setup(backend);
    const { privateKey, publicJwk } = await generateDeviceKeyPair('ed25519');
    const { device } = await s.a.devices.register({ appId: s.app.id, environment: 'live', platform: 'ios', publicKey: publicJwk as unknown as Record<string, unknown> }, CLI);
    const signer = createSigner({ keyId: device.id, alg: 'ed25519', key: privateKey });
    expect(await authenticate(await signedRequest(signer), s.b.credentials)).toMatchObject({ valid: true });
    await s.a.devices.revoke(device.id, CLI);
    expect(await eventually(async () => !(await authenticate(await signedRequest(signer), s.b.credentials)).valid, WITHIN_MS)).toBe(true);
    expect(await authenticate(await signedRequest(signer), s.b.credentials)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
  });

  it('a revoked session is refused by the other instance even inside its lookup cache TTL', async () => {
    const s = await twoInstances({}, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'a' }, CLI);
    const issued = await s.a.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    expect(await s.b.sessions.verify(issued.sessionKey)).toMatchObject({ valid: true });
    await s.a.sessions.revoke(issued.session.id, 'logout', CLI);
    expect(await eventually(async () => !(await s.b.sessions.verify(issued.sessionKey)).valid, WITHIN_MS)).toBe(true);
    expect(await s.b.sessions.verify(issued.sessionKey)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
  });

  it('a JWT signing key revoked by an immediate rotation on one instance stops verifying on the other (verified-token cache included)', async () => {
    const s = await setup(backend);
    const minted = await s.a.tokens.mint({ appId: s.app.id, environment: 'live', subject: 'u1', scopes: [], audience: 'api', ttlSeconds: 600 });
    expect(await s.b.tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: true }); // now in b's verified-token cache
    await s.a.tokens.rotate('EdDSA', CLI, { immediate: true, revokePrevious: true });
    expect(await eventually(async () => !(await s.b.tokens.verify(minted.token, { audience: 'api' })).valid, WITHIN_MS)).toBe(true);
    expect(await s.b.tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
  });
});
