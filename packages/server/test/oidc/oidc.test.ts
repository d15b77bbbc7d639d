import { createPublicKey, KeyObject, sign } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAny } from '../../src/credentials/verify-any.js';
import type { IdentityProviderInput } from '../../src/oidc/config.js';
import { CLI, makeKeyward } from '../helpers.js';
import { makeKey, startIdp, type IdpKey } from './idp.js';

/**
 * Bring your own identity provider: an app's end users present their provider's token, verified
 * against the provider's JWKS (a real local HTTP server) through the one authentication pipeline.
 * Each refusal is checked by its code and by the precise reason the metrics get.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(provider: Partial<IdentityProviderInput> = {}) {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const idp = await startIdp();
  cleanups.push(idp.close);
  const rsa = await makeKey('RS256', 'rsa-1');
  idp.publish(rsa);
  const app = await kw.apps.create({ name: 'a', settings: { identityProviders: [{ issuer: idp.issuer, audience: 'api://orders', jwksUri: idp.jwksUri, ...provider }] } }, CLI);
  /** `appId: null`: the verifier is scoped to no app. */
  const verify = async (token: string, appId: string | null = app.id) => {
    let reason: string | undefined;
    const r = await verifyAny(kw.credentials, { credential: token }, appId !== null ? { appId } : {}, (_s, _c, why) => (reason = why));
    return r.valid ? { ...r, reason: 'VALID' } : { valid: false, code: r.code, reason };
  };
  return { kw, clock, idp, rsa, app, verify, sign: (key: IdpKey, claims = {}, header = {}) => idp.sign(key, clock(), claims, header) };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('external identity provider tokens', () => {
  it("accepts a provider's RS256, ES256 and EdDSA tokens: the caller is kind oidc, acting for sub, with the token's concrete scopes", async () => {
    const s = await setup();
    const ec = await makeKey('ES256', 'ec-1');
    const ed = await makeKey('EdDSA', 'ed-1');
    s.idp.publish(s.rsa, ec, ed);
    const r = await s.verify(await s.sign(s.rsa, { scope: 'openid orders:read orders:* *', sub: 'auth0|42' }));
    expect(r).toMatchObject({ valid: true, code: 'VALID', scheme: 'oidc', kind: 'oidc', appId: s.app.id, environment: 'live', subject: 'auth0|42', scopes: ['openid', 'orders:read'] });
    expect((await s.verify(await s.sign(ec, { aud: ['other', 'api://orders'] }))).code).toBe('VALID');
    expect(await s.verify(await s.sign(ed, { scp: ['orders:write'] }))).toMatchObject({ valid: true, scopes: ['orders:write'] });
  });

  it('refuses a wrong issuer, a wrong audience and a token without sub', async () => {
    const s = await setup();
    expect(await s.verify(await s.sign(s.rsa, { iss: 'https://evil.example/' }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'NO_PROVIDER' });
    expect(await s.verify(await s.sign(s.rsa, { aud: 'api://payments' }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' });
    expect(await s.verify(await s.sign(s.rsa, { aud: ['api://payments'] }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' });
    expect(await s.verify(await s.sign(s.rsa, { sub: undefined }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'CLAIMS' });
  });

  it('exp, nbf and iat hold within the bounded clock skew (60 s by default)', async () => {
    const s = await setup();
    const now = Math.floor(s.clock() / 1000);
    expect((await s.verify(await s.sign(s.rsa, { exp: now - 61 }))).code).toBe('TOKEN_EXPIRED');
    expect((await s.verify(await s.sign(s.rsa, { exp: now - 30 }))).code).toBe('VALID');
    expect(await s.verify(await s.sign(s.rsa, { nbf: now + 61 }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'NOT_YET_VALID' });
    expect(await s.verify(await s.sign(s.rsa, { iat: now + 61 }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'NOT_YET_VALID' });
    expect((await s.verify(await s.sign(s.rsa, { nbf: now + 30, iat: now + 30 }))).code).toBe('VALID');
    expect(await s.verify(await s.sign(s.rsa, { exp: undefined }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'CLAIMS' });
    // The skew is the provider's own setting.
    const strict = await setup({ clockSkewSeconds: 0 });
    expect((await strict.verify(await strict.sign(strict.rsa, { exp: Math.floor(strict.clock() / 1000) - 1 }))).code).toBe('TOKEN_EXPIRED');
  });

  it('alg confusion: HS256 signed with the public key as its secret, and none, are refused before any key is used', async () => {
    const s = await setup();
    const pem = createPublicKey({ key: s.rsa.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    const now = Math.floor(s.clock() / 1000);
    const claims = { iss: s.idp.issuer, aud: 'api://orders', sub: 'user-1', iat: now, exp: now + 300 };
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' }).sign(new TextEncoder().encode(pem));
    expect(await s.verify(hs)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'ALG_NOT_ALLOWED' });
    const none = `${b64({ alg: 'none', kid: 'rsa-1', typ: 'JWT' })}.${b64(claims)}.`;
    expect((await s.verify(none)).code).toBe('TOKEN_INVALID');
    expect(await s.verify(`${none}AAAA`)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'ALG_NOT_ALLOWED' });
    // An allowed algorithm that is not the one the kid's key is pinned to.
    const ec = await makeKey('ES256', 'ec-1');
    expect(await s.verify(await s.sign(ec, {}, { kid: 'rsa-1' }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'ALG_MISMATCH' });
    // A provider limited to ES256 refuses its own RS256 tokens.
    const es = await setup({ algorithms: ['ES256'] });
    expect(await es.verify(await es.sign(es.rsa))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'ALG_NOT_ALLOWED' });
  });

  it('a token cannot bring its own key: jku, x5u, jwk and x5c headers are refused; a forged signature fails', async () => {
    const s = await setup();
    for (const header of [{ jku: 'https://evil.example/jwks' }, { x5u: 'https://evil.example/c' }, { jwk: s.rsa.publicJwk }, { x5c: ['MII'] }]) {
      expect(await s.verify(await s.sign(s.rsa, {}, header)), JSON.stringify(header)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'HEADER_PARAM' });
    }
    // jose will not sign with an unknown crit, so this one is signed by hand with the provider's real key.
    const now = Math.floor(s.clock() / 1000);
    const input = `${b64({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT', crit: ['x'], x: 1 })}.${b64({ iss: s.idp.issuer, aud: 'api://orders', sub: 'u', iat: now, exp: now + 60 })}`;
    const crit = `${input}.${sign('sha256', Buffer.from(input), KeyObject.from(s.rsa.privateKey)).toString('base64url')}`;
    expect(await s.verify(crit)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'HEADER_PARAM' });
    const other = await makeKey('RS256', 'rsa-1'); // same kid, a key the provider never published
    expect(await s.verify(await s.sign(other))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'SIGNATURE' });
  });

  it('unknown kid: one refetch (rate limited to one per 30 s), which also picks up a rotated-in key', async () => {
    const s = await setup();
    expect((await s.verify(await s.sign(s.rsa))).code).toBe('VALID');
    expect(s.idp.fetches).toBe(1);
    // The provider rotates: rsa-2 is published, rsa-1 withdrawn.
    const next = await makeKey('RS256', 'rsa-2');
    s.clock.advance(31_000);
    s.idp.publish(next);
    expect((await s.verify(await s.sign(next))).code).toBe('VALID');
    expect(s.idp.fetches).toBe(2);
    // rsa-1 is gone from the refetched set; the kid is unknown now.
    expect(await s.verify(await s.sign(s.rsa))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'UNKNOWN_KID' });
    // A flood of made-up kids within the interval costs the provider nothing more.
    const forged = await makeKey('RS256', 'nope');
    for (let i = 0; i < 5; i++) expect(await s.verify(await s.sign(forged, {}, { kid: `made-up-${i}` }))).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'UNKNOWN_KID' });
    expect(s.idp.fetches).toBe(2);
    s.clock.advance(31_000);
    await s.verify(await s.sign(forged, {}, { kid: 'made-up-again' }));
    expect(s.idp.fetches).toBe(3);
  });

  it("keys are cached for the JWKS's Cache-Control max-age, within bounds (at least 60 s, at most 24 h)", async () => {
    const s = await setup();
    s.idp.cacheControl = 'public, max-age=120';
    const token = async () => s.sign(s.rsa, { iat: Math.floor(s.clock() / 1000), exp: Math.floor(s.clock() / 1000) + 300 });
    await s.verify(await token());
    expect(s.idp.fetches).toBe(1);
    s.clock.advance(100_000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(1);
    s.clock.advance(21_000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(2);
    // max-age=5 is raised to the 60 s floor.
    s.idp.cacheControl = 'max-age=5';
    s.clock.advance(121_000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(3);
    s.clock.advance(30_000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(3);
    s.clock.advance(31_000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(4);
    // A year-long max-age is cut to a day.
    s.idp.cacheControl = 'max-age=31536000';
    s.clock.advance(61_000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(5);
    s.clock.advance(86_400_000 + 1000);
    await s.verify(await token());
    expect(s.idp.fetches).toBe(6);
  });

  it('a provider that cannot be reached is IDP_UNAVAILABLE (an outage, not a forgery); keys already fetched keep working', async () => {
    const s = await setup();
    s.idp.status = 500;
    expect(await s.verify(await s.sign(s.rsa))).toEqual({ valid: false, code: 'IDP_UNAVAILABLE', reason: 'JWKS_UNAVAILABLE' });
    s.idp.status = 200;
    s.clock.advance(31_000);
    expect((await s.verify(await s.sign(s.rsa))).code).toBe('VALID');
    // Past the cache lifetime, the provider fails: the held keys still serve (stale, bounded).
    s.idp.status = 503;
    s.clock.advance(700_000);
    expect((await s.verify(await s.sign(s.rsa))).code).toBe('VALID');
  });

  it('the app must be known: from the verifier, else X-Keyward-App; a token for another environment is refused', async () => {
    const s = await setup({ environment: 'test' });
    const token = await s.sign(s.rsa);
    expect(await s.verify(token, null)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'APP_REQUIRED' });
    const headerNamed = await verifyAny(s.kw.credentials, { request: { method: 'GET', target: '/', headers: [['authorization', `Bearer ${token}`], ['x-keyward-app', s.app.id]] } });
    expect(headerNamed).toMatchObject({ valid: true, environment: 'test', appId: s.app.id });
    const other = await s.kw.apps.create({ name: 'b' }, CLI);
    expect(await s.verify(token, other.id)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'NO_PROVIDER' });
    expect((await verifyAny(s.kw.credentials, { credential: token }, { appId: s.app.id, environment: 'live' })).code).toBe('TOKEN_INVALID');
  });

  it("Keyward's own tokens are still verified by Keyward, not sent to the provider", async () => {
    const s = await setup();
    const own = await s.kw.tokens.mint({ appId: s.app.id, environment: 'live', subject: 'u9', scopes: [], audience: 'x', ttlSeconds: 60 });
    expect(await s.verify(own.token)).toMatchObject({ valid: true, scheme: 'token', subject: 'u9' });
    expect(s.idp.fetches).toBe(0);
  });
});
