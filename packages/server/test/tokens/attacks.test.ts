import { createHmac, generateKeyPairSync } from 'node:crypto';
import { base64url, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { TokenDenyCode, TokenDenyReason } from '../../src/tokens/claims.js';
import { b64json, decodeHeader, decodePayload, segments, T0S, tokenSetup } from './setup.js';

/**
 * The JWT attack set. Every vector is a token an attacker could present; each must come back as
 * `{valid: false, code, reason}` with exactly the code and reason listed (so a vector that is
 * refused for the wrong reason — e.g. "expired" passing only because the signature happened to
 * fail — fails the test), and no exception may escape.
 */
describe('the JWT attack set', () => {
  it('rejects every forged, tampered, misdirected or malformed token with the expected code', async () => {
    const s = await tokenSetup({ maxTtlSeconds: 3600 });
    const { tokens, app, mint, signAsKeyward } = s;
    const genuine = await mint();
    const es = await mint({ alg: 'ES256' });
    const [h, p, sig] = segments(genuine.token);
    const hdr = decodeHeader(genuine.token);
    const pl = decodePayload(genuine.token);
    const esHdr = decodeHeader(es.token);
    const edJwk = (await tokens.jwks()).keys.find((k) => k.kid === hdr.kid)!;

    const other = await tokenSetup();
    const foreign = await other.mint();
    const foreignSameKid = await other.signAsKeyward('EdDSA', { kid: hdr.kid }, pl);

    const attacker = generateKeyPairSync('ed25519');
    const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const byAttacker = (header: Record<string, unknown>, payload: Record<string, unknown> = pl, key = attacker.privateKey) =>
      new SignJWT(payload).setProtectedHeader(header as never).sign(key);
    const hmac = (secret: string | Buffer, header: Record<string, unknown>) => {
      const input = `${b64json(header)}.${p}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const flipChar = (x: string, i: number) => x.slice(0, i) + (x[i] === 'A' ? 'B' : 'A') + x.slice(i + 1);
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const lastSigChar = sig[sig.length - 1]!;
    const nonCanonicalSig = sig.slice(0, -1) + B64[B64.indexOf(lastSigChar) ^ 1]; // same bytes, other spelling

    type V = [name: string, token: unknown, code: TokenDenyCode, reason: TokenDenyReason];
    const I = 'TOKEN_INVALID' as const;
    const vectors: V[] = [
      // ---- algorithm confusion
      ['alg none, empty signature', `${b64json({ ...hdr, alg: 'none' })}.${p}.`, I, 'MALFORMED'],
      ['alg none, signature kept', `${b64json({ ...hdr, alg: 'none' })}.${p}.${sig}`, I, 'ALG_NOT_ALLOWED'],
      ['alg NONE (case games)', `${b64json({ ...hdr, alg: 'NONE' })}.${p}.${sig}`, I, 'ALG_NOT_ALLOWED'],
      ['HS256 keyed with the public x', hmac(Buffer.from(edJwk.x!, 'base64url'), { ...hdr, alg: 'HS256' }), I, 'ALG_NOT_ALLOWED'],
      ['HS256 keyed with the public JWK JSON', hmac(JSON.stringify(edJwk), { ...hdr, alg: 'HS256' }), I, 'ALG_NOT_ALLOWED'],
      ['RS256 header', `${b64json({ ...hdr, alg: 'RS256' })}.${p}.${sig}`, I, 'ALG_NOT_ALLOWED'],
      ['ES256 header on the Ed25519 kid', `${b64json({ ...hdr, alg: 'ES256' })}.${p}.${sig}`, I, 'ALG_MISMATCH'],
      ['ES256 by an attacker key on the Ed25519 kid', await byAttacker({ ...hdr, alg: 'ES256' }, pl, attackerEc.privateKey), I, 'ALG_MISMATCH'],
      ['EdDSA header on the ES256 kid', `${b64json({ ...esHdr, alg: 'EdDSA' })}.${segments(es.token)[1]}.${sig}`, I, 'ALG_MISMATCH'],
      ['our ES256 key signing for our Ed25519 kid', await signAsKeyward('ES256', { kid: hdr.kid }, pl), I, 'ALG_MISMATCH'],
      // ---- keys chosen by the token
      ['attacker key, our kid', await byAttacker(hdr), I, 'SIGNATURE'],
      ['embedded jwk', await byAttacker({ ...hdr, jwk: attacker.publicKey.export({ format: 'jwk' }) }), I, 'HEADER_PARAM'],
      ['jku to an attacker JWKS', await byAttacker({ ...hdr, jku: 'https://evil.example/jwks.json' }), I, 'HEADER_PARAM'],
      ['x5u to an attacker certificate', await byAttacker({ ...hdr, x5u: 'https://evil.example/c.pem' }), I, 'HEADER_PARAM'],
      ['x5c chain', `${b64json({ ...hdr, x5c: ['MIIB'] })}.${p}.${sig}`, I, 'HEADER_PARAM'],
      ['x5t thumbprint', `${b64json({ ...hdr, 'x5t#S256': 'abc' })}.${p}.${sig}`, I, 'HEADER_PARAM'],
      ['kid path traversal', await byAttacker({ ...hdr, kid: '../../../../etc/passwd' }), I, 'UNKNOWN_KID'],
      ['kid SQL injection', await byAttacker({ ...hdr, kid: "jwk_x' OR '1'='1" }), I, 'UNKNOWN_KID'],
      ['kid __proto__', await byAttacker({ ...hdr, kid: '__proto__' }), I, 'UNKNOWN_KID'],
      ['kid as a URL', await byAttacker({ ...hdr, kid: 'https://evil.example/key' }), I, 'UNKNOWN_KID'],
      ['unknown well-formed kid', await byAttacker({ ...hdr, kid: 'jwk_0000000000000000000000' }), I, 'UNKNOWN_KID'],
      ['empty kid', `${b64json({ ...hdr, kid: '' })}.${p}.${sig}`, I, 'NO_KID'],
      ['no kid', `${b64json({ alg: 'EdDSA', typ: 'JWT' })}.${p}.${sig}`, I, 'NO_KID'],
      ['numeric kid', `${b64json({ ...hdr, kid: 1 })}.${p}.${sig}`, I, 'NO_KID'],
      ['token from another Keyward', foreign.token, I, 'UNKNOWN_KID'],
      ["another Keyward's key signing with our kid", foreignSameKid, I, 'SIGNATURE'],
      // ---- header games
      ['crit naming an unknown extension', `${b64json({ ...hdr, crit: ['exp'] })}.${p}.${sig}`, I, 'HEADER_PARAM'],
      ['crit b64 (recognised by jose)', await signAsKeyward('EdDSA', { b64: true, crit: ['b64'] }, pl), I, 'HEADER_PARAM'],
      ['b64=false unencoded payload', `${b64json({ ...hdr, b64: false, crit: ['b64'] })}.${p}.${sig}`, I, 'HEADER_PARAM'],
      ['typ changed to at+jwt', `${b64json({ ...hdr, typ: 'at+jwt' })}.${p}.${sig}`, I, 'TYP'],
      ['no typ (signed by us)', await signAsKeyward('EdDSA', { typ: undefined }, pl), I, 'TYP'],
      ['a signed pin set (a document, not a token)', await tokens.signDocument('kw-pins+jwt', { sub: app.id, pins: [] }, 3600), I, 'TYP'],
      ['header re-ordered (same params, other bytes)', `${b64json({ typ: 'JWT', kid: hdr.kid, alg: 'EdDSA' })}.${p}.${sig}`, I, 'SIGNATURE'],
      // ---- claims: signed by our real key, so only the claim checks can refuse them
      ['expired', await signAsKeyward('EdDSA', {}, { ...pl, iat: T0S - 600, nbf: T0S - 600, exp: T0S - 300 }), 'TOKEN_EXPIRED', 'EXPIRED'],
      ['nbf in the future', await signAsKeyward('EdDSA', {}, { ...pl, nbf: T0S + 3600 }), I, 'NOT_YET_VALID'],
      ['iat in the future', await signAsKeyward('EdDSA', {}, { ...pl, iat: T0S + 3600 }), I, 'NOT_YET_VALID'],
      ['iat older than the longest TTL', await signAsKeyward('EdDSA', {}, { ...pl, iat: T0S - 7200, nbf: T0S - 7200 }), 'TOKEN_EXPIRED', 'TOO_OLD'],
      ['lifetime longer than the longest TTL', await signAsKeyward('EdDSA', {}, { ...pl, exp: T0S + 86_400 }), I, 'CLAIMS'],
      ['wrong issuer', await signAsKeyward('EdDSA', {}, { ...pl, iss: 'evil' }), I, 'ISSUER'],
      ['missing exp', await signAsKeyward('EdDSA', {}, { ...pl, exp: undefined }), I, 'CLAIMS'],
      ['missing jti', await signAsKeyward('EdDSA', {}, { ...pl, jti: undefined }), I, 'CLAIMS'],
      ['exp as a string', await signAsKeyward('EdDSA', {}, { ...pl, exp: String(T0S + 300) }), I, 'CLAIMS'],
      ['array audience including ours', await signAsKeyward('EdDSA', {}, { ...pl, aud: ['uploads', 'admin'] }), I, 'CLAIMS'],
      ['unknown environment', await signAsKeyward('EdDSA', {}, { ...pl, kw_env: 'prod' }), I, 'CLAIMS'],
      ['non-JSON payload', await signAsKeyward('EdDSA', {}, new TextEncoder().encode('not json')), I, 'MALFORMED'],
      ['JSON array payload', await signAsKeyward('EdDSA', {}, new TextEncoder().encode('[1,2]')), I, 'MALFORMED'],
      // ---- tampering with a genuine token
      ['exp extended, signature kept', `${h}.${b64json({ ...pl, exp: T0S + 3000 })}.${sig}`, I, 'SIGNATURE'],
      ['subject changed', `${h}.${b64json({ ...pl, sub: 'admin' })}.${sig}`, I, 'SIGNATURE'],
      ['scope widened', `${h}.${b64json({ ...pl, scope: 'files:write admin:*' })}.${sig}`, I, 'SIGNATURE'],
      ['signature truncated', `${h}.${p}.${sig.slice(0, -2)}`, I, 'SIGNATURE'],
      ['signature bit flipped', `${h}.${p}.${flipChar(sig, 20)}`, I, 'SIGNATURE'],
      ['signature re-spelt (non-canonical base64url)', `${h}.${p}.${nonCanonicalSig}`, I, 'MALFORMED'],
      ['signature padded with =', `${h}.${p}.${sig}==`, I, 'MALFORMED'],
      ['empty signature', `${h}.${p}.`, I, 'MALFORMED'],
      ['extra segment', `${genuine.token}.AAAA`, I, 'MALFORMED'],
      ['two segments', `${h}.${p}`, I, 'MALFORMED'],
      ['non-base64url characters', `${h}.${p}!.${sig}`, I, 'MALFORMED'],
      ['leading space', ` ${genuine.token}`, I, 'MALFORMED'],
      ['huge token', `${h}.${base64url.encode('x'.repeat(20_000))}.${sig}`, I, 'TOO_LONG'],
      ['not a string', { token: genuine.token }, I, 'MALFORMED'],
      // ---- genuine tokens presented where they do not belong
      ['wrong audience', (await mint({ audience: 'admin-api' })).token, I, 'AUDIENCE'],
      ['other app', (await tokens.mint({ appId: 'app_0000000000000000000000', environment: 'live', subject: 'user_1', scopes: ['files:write'], audience: 'uploads', ttlSeconds: 300 })).token, I, 'OTHER_APP'],
      ['other environment', (await mint({ environment: 'test' })).token, I, 'OTHER_ENVIRONMENT'],
      ['scopes missing', (await mint({ scopes: ['files:read'] })).token, 'INSUFFICIENT_SCOPES', 'SCOPES'],
    ];
    expect(vectors.length).toBeGreaterThanOrEqual(30);
    const expectations = { audience: 'uploads', appId: app.id, environment: 'live', requiredScopes: ['files:write'] };
    // Control: the genuine token passes with exactly these expectations, so refusals are earned.
    expect((await tokens.verify(genuine.token, expectations)).valid).toBe(true);

    const outcomes = [];
    for (const [name, token, code, reason] of vectors) {
      const result = await tokens.verify(token as string, expectations).catch((err: unknown) => ({ threw: String(err) }));
      outcomes.push({ name, result, expected: { valid: false, code, reason } });
    }
    expect(outcomes.filter((o) => JSON.stringify(o.result) !== JSON.stringify(o.expected))).toEqual([]);
    expect(outcomes.filter((o) => o.result && 'valid' in o.result && o.result.valid)).toHaveLength(0);
    await other.close();
    await s.close();
  });
});
