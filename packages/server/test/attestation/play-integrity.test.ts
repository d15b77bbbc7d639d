/**
 * Play Integrity (classic): tokens minted here with test keys in Google's format (JWE A256KW /
 * A256GCM around an ES256 JWS), decrypted and verified locally, then the verdict policy.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt, CompactSign, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { playIntegrityVerifier } from '../../src/attestation/play-integrity/index.js';
import type { AttestationPolicy } from '../../src/attestation/provider.js';

const aes = randomBytes(32);
const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const NOW = Date.UTC(2026, 11, 1, 12);
const challenge = randomBytes(32);
const verifier = playIntegrityVerifier();

const policy = (overrides: Partial<NonNullable<AttestationPolicy['playIntegrity']>> = {}): AttestationPolicy => ({
  environment: 'live',
  playIntegrity: {
    packageNames: ['com.example.app'],
    decryptionKey: aes.toString('base64'),
    verificationKey: signing.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    requireAppRecognized: true,
    minDeviceIntegrity: 'MEETS_DEVICE_INTEGRITY',
    ...overrides,
  },
});

function verdictPayload(overrides: { request?: object; app?: object; device?: object } = {}) {
  return {
    requestDetails: { requestPackageName: 'com.example.app', timestampMillis: String(NOW - 2_000), nonce: base64url.encode(challenge), ...overrides.request },
    appIntegrity: { appRecognitionVerdict: 'PLAY_RECOGNIZED', packageName: 'com.example.app', certificateSha256Digest: ['6a6a1474b5cbbb2b1aa57e0bc3'], versionCode: '42', ...overrides.app },
    deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_BASIC_INTEGRITY', 'MEETS_DEVICE_INTEGRITY'], ...overrides.device },
    accountDetails: { appLicensingVerdict: 'LICENSED' },
  };
}

async function mint(body: object, { key = signing.privateKey, enc = aes }: { key?: typeof signing.privateKey; enc?: Buffer } = {}): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader({ alg: 'ES256' }).sign(key);
  return new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' }).encrypt(enc);
}

const verify = async (token: string, p = policy(), nowMs = NOW) => verifier.verify({ platform: 'play_integrity', token }, { challenge, policy: p, nowMs });

describe('Play Integrity classic tokens', () => {
  it('accepts a genuine verdict and reports its facts', async () => {
    expect(await verify(await mint(verdictPayload()))).toMatchObject({
      ok: true,
      instance: { platform: 'play_integrity', facts: { packageName: 'com.example.app', appRecognitionVerdict: 'PLAY_RECOGNIZED', versionCode: '42', appLicensingVerdict: 'LICENSED' } },
    });
  });

  it('refuses a token encrypted under another key, signed by another key, or not a JWE', async () => {
    expect(await verify(await mint(verdictPayload(), { enc: randomBytes(32) }))).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'decryption_failed' });
    expect(await verify(await mint(verdictPayload(), { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }))).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'signature_invalid' });
    expect(await verify('a.b.c')).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'malformed_token' });
  });

  it('refuses an HS256 or unsigned inner token (only ES256 is Google’s)', async () => {
    const none = `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify(verdictPayload()))}.`;
    const token = await new CompactEncrypt(new TextEncoder().encode(none)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' }).encrypt(aes);
    expect(await verify(token)).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'signature_invalid' });
  });

  it('refuses another nonce, another package, and a stale or future token', async () => {
    expect(await verify(await mint(verdictPayload({ request: { nonce: base64url.encode(randomBytes(32)) } })))).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED', reason: 'nonce_mismatch' });
    expect(await verify(await mint(verdictPayload({ request: { requestPackageName: 'com.evil.app' } })))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP' });
    expect(await verify(await mint(verdictPayload()), policy({ packageNames: ['com.other'] }))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP' });
    expect(await verify(await mint(verdictPayload({ request: { timestampMillis: String(NOW - 10 * 60_000) } })))).toMatchObject({ ok: false, code: 'ATTESTATION_CLOCK_SKEW' });
    expect(await verify(await mint(verdictPayload({ request: { timestampMillis: String(NOW + 5 * 60_000) } })))).toMatchObject({ ok: false, code: 'ATTESTATION_CLOCK_SKEW' });
  });

  it('applies the recognition and device integrity policy', async () => {
    const unrecognized = await mint(verdictPayload({ app: { appRecognitionVerdict: 'UNRECOGNIZED_VERSION' } }));
    expect(await verify(unrecognized)).toEqual({ ok: false, code: 'ATTESTATION_INTEGRITY', reason: 'app_not_recognized' });
    expect(await verify(unrecognized, policy({ requireAppRecognized: false }))).toMatchObject({ ok: true });
    const basic = await mint(verdictPayload({ device: { deviceRecognitionVerdict: ['MEETS_BASIC_INTEGRITY'] } }));
    expect(await verify(basic)).toEqual({ ok: false, code: 'ATTESTATION_INTEGRITY', reason: 'device_integrity_too_low' });
    expect(await verify(basic, policy({ minDeviceIntegrity: 'MEETS_BASIC_INTEGRITY' }))).toMatchObject({ ok: true });
    expect(await verify(await mint(verdictPayload({ device: { deviceRecognitionVerdict: [] } })), policy({ minDeviceIntegrity: 'MEETS_BASIC_INTEGRITY' }))).toMatchObject({ ok: false, code: 'ATTESTATION_INTEGRITY' });
    expect(await verify(await mint(verdictPayload()), policy({ minDeviceIntegrity: 'MEETS_STRONG_INTEGRITY' }))).toMatchObject({ ok: false, code: 'ATTESTATION_INTEGRITY' });
  });

  it('refuses an app without Play Integrity keys, or with unusable ones', async () => {
    expect(await verifier.verify({ platform: 'play_integrity', token: await mint(verdictPayload()) }, { challenge, policy: { environment: 'live' }, nowMs: NOW })).toMatchObject({ ok: false, code: 'ATTESTATION_UNSUPPORTED' });
    expect(await verify(await mint(verdictPayload()), policy({ decryptionKey: randomBytes(16).toString('base64') }))).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'keys_misconfigured' });
  });
});
