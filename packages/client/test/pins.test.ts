import { describe, expect, it } from 'vitest';
import { PinSetError, verifyPinSet } from '../src/index.js';
import { bearer, makeApi } from '../../server/test/helpers.js';

const PIN = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;

describe('signed certificate pin sets', () => {
  it('the app fetches its pins, verifies them against the JWKS with WebCrypto, and refuses tampering, other apps and expiry', async () => {
    const api = await makeApi();
    api.clock.set(Date.now());
    const set = await api.server.inject({ method: 'PATCH', url: `/v1/apps/${api.appId}`, headers: bearer(api.root), payload: { settings: { certificatePins: [PIN], pinSetTtlSeconds: 3600 } } });
    expect(set.statusCode).toBe(200);
    const { pinSet } = (await api.server.inject({ method: 'GET', url: `/v1/apps/${api.appId}/pins` })).json();
    const jwks = (await api.server.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(await verifyPinSet(pinSet, jwks, { appId: api.appId })).toMatchObject({ appId: api.appId, pins: [PIN] });
    const [h, p, s] = pinSet.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), pins: ['sha256/evil'] })).toString('base64url')}.${s}`;
    await expect(verifyPinSet(forged, jwks, { appId: api.appId })).rejects.toMatchObject({ reason: 'BAD_SIGNATURE' });
    await expect(verifyPinSet(pinSet, jwks, { appId: 'app_other0000000000000000' })).rejects.toBeInstanceOf(PinSetError);
    await expect(verifyPinSet(pinSet, jwks, { appId: api.appId, nowMs: Date.now() + 3601_000 })).rejects.toMatchObject({ reason: 'EXPIRED' });
    // A pin-set document is never accepted as a credential.
    expect((await api.kw.tokens.verify(pinSet)).valid).toBe(false);
    const bad = await api.server.inject({ method: 'PATCH', url: `/v1/apps/${api.appId}`, headers: bearer(api.root), payload: { settings: { certificatePins: ['md5/abc'] } } });
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    await api.server.close();
    await api.kw.close();
  });
});
