/**
 * External attestation tokens (Firebase App Check shape: RS256, aud = project ids, sub = app id)
 * against a local JWKS server, through the shared JWKS cache (oidc/jwks.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalVerifier } from '../../src/attestation/external/index.js';
import type { AttestationPolicy } from '../../src/attestation/provider.js';
import { manualClock } from '../../src/lib/clock.js';
import { makeKey, startIdp, type IdpKey } from '../oidc/idp.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const clock = manualClock(NOW);
let idp: Awaited<ReturnType<typeof startIdp>>;
let key: IdpKey;
let policy: AttestationPolicy;
const APP = '1:123456789:android:abcdef';

beforeAll(async () => {
  idp = await startIdp();
  key = await makeKey('RS256', 'appcheck-1');
  idp.publish(key);
  policy = { environment: 'live', external: [{ name: 'firebase', issuer: idp.issuer, audience: 'projects/123456789', jwksUrl: idp.jwksUri }] };
});
afterAll(() => idp.close());

const verifier = externalVerifier({ now: clock });
const appCheck = (claims: Record<string, unknown> = {}, k?: IdpKey) => idp.sign(k ?? key, NOW, { aud: ['projects/123456789', 'projects/my-project'], sub: APP, ...claims });
const verify = async (token: string, provider = 'firebase', nowMs = NOW) => verifier.verify({ platform: 'external', provider, token }, { challenge: new Uint8Array(32), policy, nowMs });

describe('external attestation tokens', () => {
  it('accepts a token of the configured service and reports the app it names', async () => {
    expect(await verify(await appCheck())).toMatchObject({ ok: true, instance: { platform: 'external', facts: { provider: 'firebase', subject: APP } } });
  });

  it('refuses another issuer, another audience, an expired token and an unconfigured provider, each with its code', async () => {
    expect(await verify(await appCheck({ iss: 'https://evil.example/' }))).toEqual({ ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'issuer_mismatch' });
    expect(await verify(await appCheck({ aud: ['projects/999'] }))).toEqual({ ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'audience_mismatch' });
    expect(await verify(await appCheck(), 'firebase', NOW + 3_600_000)).toEqual({ ok: false, code: 'ATTESTATION_CLOCK_SKEW', reason: 'token_expired' });
    expect(await verify(await appCheck(), 'other')).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'provider_not_configured' });
  });

  it('refuses a token signed by a key the service does not publish, and a forged signature', async () => {
    const stranger = await makeKey('RS256', 'appcheck-1');
    expect(await verify(await appCheck({}, stranger))).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'signature_invalid' });
    const unknown = await makeKey('RS256', 'not-published');
    expect(await verify(await appCheck({}, unknown))).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'unknown_kid' });
    const [h, p] = (await appCheck()).split('.');
    expect(await verify(`${h}.${p}.${'A'.repeat(342)}`)).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'signature_invalid' });
  });

  it('refuses a token without a subject and garbage', async () => {
    expect(await verify(await appCheck({ sub: undefined }))).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED' });
    expect(await verify('not.a.jwt')).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'malformed_token' });
  });

  it('the JWKS is fetched once and cached across verifications', async () => {
    const before = idp.fetches;
    for (let i = 0; i < 3; i++) expect((await verify(await appCheck())).ok).toBe(true);
    expect(idp.fetches).toBe(before);
  });
});
