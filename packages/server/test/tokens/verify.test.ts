import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkClaims, claimsFromPayload, type TokenClaims } from '../../src/tokens/claims.js';
import type { LoadedKey, SigningKeys } from '../../src/tokens/signing-keys.js';
import type { SigningKeyRecord } from '../../src/tokens/store.js';
import { checkHeader, isCanonicalCompactJws, verifySignedToken, type VerifyPolicy } from '../../src/tokens/verify.js';

/**
 * verifySignedToken() rule by rule, on tokens signed here with node:crypto and a key table in
 * memory (the JWT attack set in attacks.test.ts runs the same verifier through the token service).
 */
const NOW_S = 1_780_000_000;
const POLICY: VerifyPolicy = { issuer: 'https://kw.example', clockToleranceSeconds: 5, maxTtlSeconds: 600, nowMs: NOW_S * 1000 + 999 };
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const loaded = (kid: string, alg: 'EdDSA' | 'ES256', publicKey: KeyObject): LoadedKey => ({ record: { kid, alg } as SigningKeyRecord, publicKey });
const TABLE = new Map([
  ['jwk_ed', loaded('jwk_ed', 'EdDSA', ed.publicKey)],
  ['jwk_ec', loaded('jwk_ec', 'ES256', ec.publicKey)],
]);
const REMOTE = loaded('jwk_remote', 'EdDSA', ed.publicKey);
const KEYS = {
  lookup: (kid: string) => TABLE.get(kid),
  find: async (kid: string) => (kid === 'jwk_remote' ? REMOTE : undefined),
} as unknown as SigningKeys;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const CLAIMS = { iss: POLICY.issuer, sub: 'alice', aud: 'orders', exp: NOW_S + 300, nbf: NOW_S, iat: NOW_S, jti: 'jti_1', kw_app: 'app_1', kw_env: 'live', scope: 'a:read b:write' };

function token(payload: unknown = CLAIMS, header: unknown = { alg: 'EdDSA', kid: 'jwk_ed', typ: 'JWT' }, key: 'ed' | 'ec' = 'ed'): string {
  const input = `${typeof header === 'string' ? header : b64(header)}.${typeof payload === 'string' ? payload : b64(payload)}`;
  const sig = key === 'ed' ? sign(null, Buffer.from(input), ed.privateKey) : sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
const claims = (over: Record<string, unknown>) => ({ ...CLAIMS, ...over });
const without = (name: string) => Object.fromEntries(Object.entries(CLAIMS).filter(([k]) => k !== name));
const verdict = async (t: unknown, policy: Partial<VerifyPolicy> = {}) => {
  const r = await verifySignedToken(t, KEYS, { ...POLICY, ...policy });
  return r.valid ? 'VALID' : `${r.code}/${r.reason}`;
};

describe('verifySignedToken(): form', () => {
  it('a well-formed token verifies, EdDSA and ES256, and from a key found by a refresh', async () => {
    const r = await verifySignedToken(token(), KEYS, POLICY);
    expect(r).toEqual({
      valid: true,
      claims: { jti: 'jti_1', kid: 'jwk_ed', subject: 'alice', appId: 'app_1', environment: 'live', scopes: ['a:read', 'b:write'], audience: 'orders', issuedAtMs: NOW_S * 1000, expiresAtMs: (NOW_S + 300) * 1000, singleUse: false, extra: {} },
    });
    expect(await verdict(token(CLAIMS, { alg: 'ES256', kid: 'jwk_ec', typ: 'JWT' }, 'ec'))).toBe('VALID');
    expect(await verdict(token(CLAIMS, { alg: 'EdDSA', kid: 'jwk_remote', typ: 'JWT' }))).toBe('VALID');
  });

  it.each([
    ['not a string', 42, 'TOKEN_INVALID/MALFORMED'],
    ['not a string, however long', { length: 9000 }, 'TOKEN_INVALID/MALFORMED'],
    ['8192 characters of garbage', 'a'.repeat(8192), 'TOKEN_INVALID/MALFORMED'],
    ['8193 characters', 'a'.repeat(8193), 'TOKEN_INVALID/TOO_LONG'],
    ['two segments', 'a.b', 'TOKEN_INVALID/MALFORMED'],
    ['an empty segment', 'a..c', 'TOKEN_INVALID/MALFORMED'],
    ['padding', `${token()}=`, 'TOKEN_INVALID/MALFORMED'],
  ])('%s → %s', async (_name, t, expected) => {
    expect(await verdict(t)).toBe(expected);
  });
});

describe('isCanonicalCompactJws()', () => {
  it('refuses a fourth segment, whitespace and an impossible signature length', () => {
    expect(isCanonicalCompactJws('a.b.c')).toBe(false); // one base64url character cannot end a string
    expect(isCanonicalCompactJws('a.b.cd.e')).toBe(false);
    expect(isCanonicalCompactJws('a.b. cd')).toBe(false);
    expect(isCanonicalCompactJws('a.b.cdef')).toBe(true);
    expect(isCanonicalCompactJws('a b.c.AA')).toBe(false);
    expect(isCanonicalCompactJws('a.b.c.AA')).toBe(false);
    expect(isCanonicalCompactJws('a+b.c.AA')).toBe(false);
  });

  it('the unused low bits of the last signature character must be zero', () => {
    expect(isCanonicalCompactJws('a.b.AA')).toBe(true); // 2 chars: 4 unused bits
    expect(isCanonicalCompactJws('a.b.AQ')).toBe(true);
    expect(isCanonicalCompactJws('a.b.AB')).toBe(false);
    expect(isCanonicalCompactJws('a.b.AI')).toBe(false);
    expect(isCanonicalCompactJws('a.b.AAA')).toBe(true); // 3 chars: 2 unused bits
    expect(isCanonicalCompactJws('a.b.AAE')).toBe(true);
    expect(isCanonicalCompactJws('a.b.AAB')).toBe(false);
    expect(isCanonicalCompactJws('a.b.AAC')).toBe(false);
  });

  it('a signature spelled with set low bits is refused by the verifier', async () => {
    const t = token();
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const other = t.slice(0, -1) + B64[B64.indexOf(t.at(-1)!) ^ 1];
    expect(await verdict(other)).toBe('TOKEN_INVALID/MALFORMED');
  });
});

describe('checkHeader() and the header', () => {
  it.each([
    [{ alg: 'EdDSA', kid: 'k', typ: 'JWT', jku: 'https://x' }, 'HEADER_PARAM'],
    [{ alg: 'none', kid: 'k', typ: 'JWT' }, 'ALG_NOT_ALLOWED'],
    [{ alg: 'HS256', kid: 'k', typ: 'JWT' }, 'ALG_NOT_ALLOWED'],
    [{ kid: 'k', typ: 'JWT' }, 'ALG_NOT_ALLOWED'],
    [{ alg: 'EdDSA', kid: 'k' }, 'TYP'],
    [{ alg: 'EdDSA', kid: 'k', typ: 'jwt' }, 'TYP'],
    [{ alg: 'EdDSA', typ: 'JWT' }, 'NO_KID'],
    [{ alg: 'EdDSA', kid: '', typ: 'JWT' }, 'NO_KID'],
    [{ alg: 'EdDSA', kid: 7, typ: 'JWT' }, 'NO_KID'],
  ])('%j → %s', (header, reason) => {
    expect(checkHeader(header)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason });
  });

  it('an accepted header yields its kid; ES256 is allowed', () => {
    expect(checkHeader({ alg: 'ES256', kid: 'k', typ: 'JWT' })).toEqual({ kid: 'k' });
  });

  it.each([
    ['an array', b64([1])],
    ['a string', b64('"x"')],
    ['null', b64('null')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')],
    ['not JSON', b64('{')],
  ])('a header that is %s is MALFORMED', async (_name, header) => {
    expect(await verdict(token(CLAIMS, header))).toBe('TOKEN_INVALID/MALFORMED');
  });

  it('a refused header is refused by the verifier too, with its reason', async () => {
    expect(await verdict(token(CLAIMS, { alg: 'EdDSA', kid: 'jwk_ed', typ: 'JWT', jku: 'https://evil' }))).toBe('TOKEN_INVALID/HEADER_PARAM');
    expect(await verdict(token(CLAIMS, { alg: 'EdDSA', kid: 'jwk_ed', typ: 'JOSE' }))).toBe('TOKEN_INVALID/TYP');
  });

  it('the key is chosen by kid, and its algorithm must be the header’s', async () => {
    expect(await verdict(token(CLAIMS, { alg: 'EdDSA', kid: 'jwk_nope', typ: 'JWT' }))).toBe('TOKEN_INVALID/UNKNOWN_KID');
    expect(await verdict(token(CLAIMS, { alg: 'ES256', kid: 'jwk_ed', typ: 'JWT' }, 'ec'))).toBe('TOKEN_INVALID/ALG_MISMATCH');
    expect(await verdict(token(CLAIMS, { alg: 'EdDSA', kid: 'jwk_ec', typ: 'JWT' }))).toBe('TOKEN_INVALID/ALG_MISMATCH');
  });
});

describe('verifySignedToken(): signature', () => {
  it('a changed payload, or another key’s signature, is SIGNATURE', async () => {
    const [h, , s] = token().split('.');
    expect(await verdict(`${h}.${b64(claims({ sub: 'bob' }))}.${s}`)).toBe('TOKEN_INVALID/SIGNATURE');
    const ecToken = token(CLAIMS, { alg: 'ES256', kid: 'jwk_ec', typ: 'JWT' }, 'ec');
    const [eh, ep] = ecToken.split('.');
    const der = sign('sha256', Buffer.from(`${eh}.${ep}`), ec.privateKey).toString('base64url');
    expect(await verdict(`${eh}.${ep}.${der}`)).toBe('TOKEN_INVALID/SIGNATURE'); // DER, not 64-byte r‖s
    // A 64-byte ES256 signature is still verified: the right length proves nothing.
    const es = token(CLAIMS, { alg: 'ES256', kid: 'jwk_ec', typ: 'JWT' }, 'ec');
    const [esh, , ess] = es.split('.');
    expect(Buffer.from(ess!, 'base64url')).toHaveLength(64);
    expect(await verdict(`${esh}.${b64(claims({ sub: 'bob' }))}.${ess}`)).toBe('TOKEN_INVALID/SIGNATURE');
    expect(await verdict(`${esh}.${es.split('.')[1]}.${Buffer.alloc(64).toString('base64url')}`)).toBe('TOKEN_INVALID/SIGNATURE');
  });

  it('a signed payload that is not a JSON object is MALFORMED', async () => {
    expect(await verdict(token(b64([1])))).toBe('TOKEN_INVALID/MALFORMED');
    expect(await verdict(token(b64('null')))).toBe('TOKEN_INVALID/MALFORMED');
    expect(await verdict(token(b64('5')))).toBe('TOKEN_INVALID/MALFORMED');
    expect(await verdict(token(b64('"iss"')))).toBe('TOKEN_INVALID/MALFORMED');
    expect(await verdict(token(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')))).toBe('TOKEN_INVALID/MALFORMED');
  });
});

describe('verifySignedToken(): registered claims', () => {
  it.each(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'kw_app', 'kw_env'])('without %s → CLAIMS', async (name) => {
    expect(await verdict(token(without(name)))).toBe('TOKEN_INVALID/CLAIMS');
  });

  it('issuer and audience', async () => {
    expect(await verdict(token(claims({ iss: 'https://evil' })))).toBe('TOKEN_INVALID/ISSUER');
    expect(await verdict(token(), { audience: 'orders' })).toBe('VALID');
    expect(await verdict(token(), { audience: 'payments' })).toBe('TOKEN_INVALID/AUDIENCE');
    // An array audience passes the aud check when it names the audience, but Keyward never mints one: CLAIMS.
    expect(await verdict(token(claims({ aud: ['x', 'orders'] })), { audience: 'orders' })).toBe('TOKEN_INVALID/CLAIMS');
    expect(await verdict(token(claims({ aud: ['x'] })), { audience: 'orders' })).toBe('TOKEN_INVALID/AUDIENCE');
    expect(await verdict(token(claims({ aud: 5 })), { audience: 'orders' })).toBe('TOKEN_INVALID/AUDIENCE');
  });

  it.each(['iat', 'nbf', 'exp'])('a non-numeric %s → CLAIMS', async (name) => {
    expect(await verdict(token(claims({ [name]: String(NOW_S) })))).toBe('TOKEN_INVALID/CLAIMS');
  });

  it('nbf: accepted up to the tolerance ahead of now (now in whole seconds, rounded down)', async () => {
    expect(await verdict(token(claims({ nbf: NOW_S + 5 })))).toBe('VALID');
    expect(await verdict(token(claims({ nbf: NOW_S + 6 })))).toBe('TOKEN_INVALID/NOT_YET_VALID');
  });

  it('exp: refused from the tolerance behind now', async () => {
    const at = (exp: number) => verdict(token(claims({ exp, iat: NOW_S - 100, nbf: NOW_S - 100 })));
    expect(await at(NOW_S - 4)).toBe('VALID');
    expect(await at(NOW_S - 5)).toBe('TOKEN_EXPIRED/EXPIRED');
  });

  it('iat: no older than maxTtl plus tolerance, no further ahead than the tolerance', async () => {
    const at = (iat: number) => verdict(token(claims({ iat, nbf: iat - 10, exp: iat + 600 })));
    // An iat 605 s back passes the age check (and then fails the lifetime check, since a live
    // token that old would have to live longer than maxTtl); 606 s back is TOO_OLD.
    const aged = (iat: number) => verdict(token(claims({ iat, nbf: iat, exp: NOW_S + 300 })));
    expect(await aged(NOW_S - 605)).toBe('TOKEN_INVALID/CLAIMS');
    expect(await aged(NOW_S - 606)).toBe('TOKEN_EXPIRED/TOO_OLD');
    expect(await at(NOW_S + 5)).toBe('VALID');
    expect(await at(NOW_S + 6)).toBe('TOKEN_INVALID/NOT_YET_VALID');
  });

  it('a lifetime longer than maxTtl is CLAIMS, exactly maxTtl passes', async () => {
    expect(await verdict(token(claims({ exp: NOW_S + 600 })))).toBe('VALID');
    expect(await verdict(token(claims({ exp: NOW_S + 601 })))).toBe('TOKEN_INVALID/CLAIMS');
  });
});

describe('claimsFromPayload()', () => {
  it('reads Keyward’s claims and keeps the others as extra', () => {
    expect(claimsFromPayload({ ...CLAIMS, kw_single: true, plan: 'pro', scope: '' }, 'k')).toMatchObject({ singleUse: true, extra: { plan: 'pro' }, scopes: [], kid: 'k' });
    expect(claimsFromPayload(without('scope'), 'k')).toMatchObject({ scopes: [] });
  });

  it.each([
    ['jti', 1], ['sub', 1], ['aud', ['a']], ['kw_app', 1], ['kw_env', 'prod'], ['exp', '1'], ['iat', '1'], ['scope', ['a']], ['kw_single', false],
  ])('%s = %j is not a Keyward token', (name, value) => {
    expect(claimsFromPayload({ ...CLAIMS, [name]: value }, 'k')).toBeUndefined();
  });

  it('test tokens are read too', () => {
    expect(claimsFromPayload({ ...CLAIMS, kw_env: 'test' }, 'k')).toMatchObject({ environment: 'test' });
  });
});

describe('checkClaims()', () => {
  const c = claimsFromPayload(CLAIMS, 'k') as TokenClaims;
  it.each([
    [{ audience: 'payments' }, 'AUDIENCE'],
    [{ appId: 'app_2' }, 'OTHER_APP'],
    [{ environment: 'test' }, 'OTHER_ENVIRONMENT'],
  ])('%j → TOKEN_INVALID/%s', (expect_, reason) => {
    expect(checkClaims(c, expect_)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason });
  });

  it('scopes: each required one granted; none required checks none', () => {
    expect(checkClaims(c, { requiredScopes: ['c:read'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPES', reason: 'SCOPES' });
    expect(checkClaims(c, { requiredScopes: ['a:read', 'b:write'] })).toEqual({ valid: true, code: 'VALID', claims: c });
    expect(checkClaims(c, { requiredScopes: [] })).toEqual({ valid: true, code: 'VALID', claims: c });
    expect(checkClaims(c, { audience: 'orders', appId: 'app_1', environment: 'live' })).toEqual({ valid: true, code: 'VALID', claims: c });
  });
});
