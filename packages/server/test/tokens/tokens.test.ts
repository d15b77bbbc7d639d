import { createHmac, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearer, CLI, makeApi, makeKeyward } from '../helpers.js';

async function setup() {
  const { kw, clock } = await makeKeyward();
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const mint = (over: Partial<Parameters<typeof kw.tokens.mint>[0]> = {}) =>
    kw.tokens.mint({ appId: app.id, environment: 'live', subject: 'user_1', scopes: ['files:write'], audience: 'uploads', ttlSeconds: 300, ...over });
  return { kw, clock, app, mint };
}

const b64 = (v: unknown) => base64url.encode(JSON.stringify(v));
const parts = (t: string) => t.split('.') as [string, string, string];
const header = (t: string) => JSON.parse(new TextDecoder().decode(base64url.decode(parts(t)[0])));
const payload = (t: string) => JSON.parse(new TextDecoder().decode(base64url.decode(parts(t)[1])));

describe('short-lived tokens', () => {
  it('mint → verify round trip for EdDSA and ES256, with the claims the issue names', async () => {
    const { kw, app, mint } = await setup();
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { token, kid } = await mint({ alg });
      expect(header(token)).toMatchObject({ alg, kid, typ: 'JWT' });
      const r = await kw.tokens.verify(token, { audience: 'uploads' });
      expect(r).toMatchObject({ valid: true, claims: { subject: 'user_1', appId: app.id, environment: 'live', scopes: ['files:write'], audience: 'uploads', singleUse: false } });
      expect(payload(token)).toMatchObject({ iss: 'keyward', sub: 'user_1', aud: 'uploads', kw_app: app.id, kw_env: 'live', scope: 'files:write' });
    }
    await kw.close();
  });

  it('the JWKS carries only public parts, one algorithm per kid', async () => {
    const { kw, mint } = await setup();
    await mint();
    const { keys } = await kw.tokens.jwks();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const k of keys) {
      expect(k).not.toHaveProperty('d');
      expect(k).toMatchObject({ use: 'sig' });
      expect(['EdDSA', 'ES256']).toContain(k.alg);
      expect(k.kid).toMatch(/^jwk_/);
    }
    await kw.close();
  });

  it('rotation: old tokens verify until the old key retires; new tokens use the new kid', async () => {
    const { kw, clock, mint } = await setup();
    const old = await mint({ ttlSeconds: 600 });
    const rotated = await kw.tokens.rotate('EdDSA', CLI);
    const fresh = await mint();
    expect(fresh.kid).toBe(rotated.kid);
    expect((await kw.tokens.verify(old.token)).valid).toBe(true);
    expect((await kw.tokens.jwks()).keys.map((k) => k.kid)).toContain(old.kid);
    clock.advance(86_400_000 + 10_000); // past the server's max TTL
    await kw.tokens.rotate('EdDSA', CLI);
    expect((await kw.tokens.jwks()).keys.map((k) => k.kid)).not.toContain(old.kid);
    await kw.close();
  });

  it('exp and nbf are enforced with a small tolerance (frozen clock)', async () => {
    const { kw, clock, mint } = await setup();
    const { token } = await mint({ ttlSeconds: 60 });
    clock.advance(64_000);
    expect((await kw.tokens.verify(token)).valid).toBe(true); // within the 5 s tolerance
    clock.advance(2_000);
    // cached entries end at exp as well
    expect(await kw.tokens.verify(token)).toMatchObject({ valid: false, code: 'TOKEN_EXPIRED' });
    await kw.close();
  });

  it('a single-use token verified 50 times concurrently is accepted exactly once', async () => {
    const { kw, mint } = await setup();
    const { token } = await mint({ singleUse: true });
    const results = await Promise.all(Array.from({ length: 50 }, () => kw.tokens.verify(token)));
    expect(results.filter((r) => r.valid)).toHaveLength(1);
    expect(results.filter((r) => !r.valid && r.code === 'TOKEN_ALREADY_USED')).toHaveLength(49);
    await kw.close();
  });

  it('the JWT attack set: every forged token is rejected with the same shape', async () => {
    const { kw, app, mint } = await setup();
    const { token } = await mint();
    const [h, p, s] = parts(token);
    const hdr = header(token);
    const pl = payload(token);
    const nowS = Math.floor(Date.UTC(2026, 5, 1) / 1000);
    const jwks = await kw.tokens.jwks();
    const edPublic = jwks.keys.find((k) => k.kid === hdr.kid)!;
    const other = await makeKeyward();
    const otherApp = await other.kw.apps.create({ name: 'b' }, CLI);
    const foreign = (await other.kw.tokens.mint({ appId: otherApp.id, environment: 'live', subject: 'user_1', scopes: ['files:write'], audience: 'uploads', ttlSeconds: 300 })).token;
    const attacker = generateKeyPairSync('ed25519');
    const signAttacker = (hd: Record<string, unknown>, pay: Record<string, unknown>) => new SignJWT(pay).setProtectedHeader(hd as never).sign(attacker.privateKey);
    const hmacWith = (secret: string | Buffer, hd: Record<string, unknown>, pay: Record<string, unknown>) => {
      const input = `${b64(hd)}.${b64(pay)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const flip = (sig: string) => sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    const forged: [string, string | Promise<string>][] = [
      ['alg none', `${b64({ ...hdr, alg: 'none' })}.${p}.`],
      ['alg none, no signature segment', `${b64({ ...hdr, alg: 'none' })}.${p}`],
      ['alg NONE', `${b64({ ...hdr, alg: 'NONE' })}.${p}.`],
      ['HS256 with the public key as secret (x)', hmacWith(Buffer.from(edPublic.x!, 'base64url'), { ...hdr, alg: 'HS256' }, pl)],
      ['HS256 with the JWK JSON as secret', hmacWith(JSON.stringify(edPublic), { ...hdr, alg: 'HS256' }, pl)],
      ['ES256 header on an EdDSA kid', `${b64({ ...hdr, alg: 'ES256' })}.${p}.${s}`],
      ['RS256 header', `${b64({ ...hdr, alg: 'RS256' })}.${p}.${s}`],
      ['attacker key, same kid', signAttacker(hdr, pl)],
      ['attacker key, embedded jwk', signAttacker({ ...hdr, jwk: attacker.publicKey.export({ format: 'jwk' }) }, pl)],
      ['jku pointing elsewhere', signAttacker({ ...hdr, jku: 'https://evil.example/jwks.json' }, pl)],
      ['x5u pointing elsewhere', signAttacker({ ...hdr, x5u: 'https://evil.example/cert.pem' }, pl)],
      ['x5c chain', `${b64({ ...hdr, x5c: ['MIIB'] })}.${p}.${s}`],
      ['kid path traversal', signAttacker({ ...hdr, kid: '../../etc/passwd' }, pl)],
      ['kid SQL-ish', signAttacker({ ...hdr, kid: "jwk_x' OR '1'='1" }, pl)],
      ['unknown kid', signAttacker({ ...hdr, kid: 'jwk_0000000000000000000000' }, pl)],
      ['empty kid', `${b64({ ...hdr, kid: '' })}.${p}.${s}`],
      ['no kid', `${b64({ alg: hdr.alg, typ: 'JWT' })}.${p}.${s}`],
      ['crit header', `${b64({ ...hdr, crit: ['exp'] })}.${p}.${s}`],
      ['b64=false', `${b64({ ...hdr, b64: false, crit: ['b64'] })}.${p}.${s}`],
      ['expired (exp rewritten)', `${h}.${b64({ ...pl, exp: nowS - 3600 })}.${s}`],
      ['expired (re-signed by attacker)', signAttacker(hdr, { ...pl, exp: nowS - 3600 })],
      ['nbf in the future (re-signed by attacker)', signAttacker(hdr, { ...pl, nbf: nowS + 3600 })],
      ['wrong audience', kw.tokens.mint({ appId: app.id, environment: 'live', subject: 'user_1', scopes: ['files:write'], audience: 'admin-api', ttlSeconds: 300 }).then((t) => t.token)],
      ['wrong issuer (tampered)', `${h}.${b64({ ...pl, iss: 'evil' })}.${s}`],
      ['missing exp (tampered)', `${h}.${b64({ ...pl, exp: undefined })}.${s}`],
      ['truncated signature', `${h}.${p}.${s.slice(0, s.length - 8)}`],
      ['flipped signature bit', `${h}.${p}.${flip(s)}`],
      ['empty signature', `${h}.${p}.`],
      ['payload tampered (subject)', `${h}.${b64({ ...pl, sub: 'admin' })}.${s}`],
      ['payload tampered (scope)', `${h}.${b64({ ...pl, scope: 'files:write admin:*' })}.${s}`],
      ['header tampered (typ)', `${b64({ ...hdr, typ: 'at+jwt' })}.${p}.${s}`],
      ['extra segment', `${token}.AAAA`],
      ['two segments', `${h}.${p}`],
      ['non-JSON payload', `${h}.${base64url.encode('not json')}.${s}`],
      ['non-base64 characters', `${h}.${p}!.${s}`],
      ['huge token', `${h}.${base64url.encode('x'.repeat(20_000))}.${s}`],
      ['token from another Keyward (same kid format)', foreign],
      ['other environment', kw.tokens.mint({ appId: app.id, environment: 'test', subject: 'user_1', scopes: ['files:write'], audience: 'uploads', ttlSeconds: 300 }).then((t) => t.token)],
      ['scopes missing', mint({ scopes: ['files:read'] }).then((t) => t.token)],
    ];
    expect(forged.length).toBeGreaterThanOrEqual(30);
    const results: { name: string; valid: boolean; keys: string }[] = [];
    for (const [name, candidate] of forged) {
      const r = await kw.tokens.verify(await candidate, { audience: 'uploads', environment: 'live', appId: app.id, requiredScopes: ['files:write'] });
      results.push({ name, valid: r.valid, keys: Object.keys(r).sort().join(',') });
    }
    expect(results.filter((r) => r.valid).map((r) => r.name)).toEqual([]);
    expect(new Set(results.map((r) => r.keys))).toEqual(new Set(['code,reason,valid']));
    await kw.close();
    await other.kw.close();
  });

  it('arbitrary strings and single-character mutations of a valid token are never accepted and never throw (10^4 cases)', async () => {
    const { kw, mint } = await setup();
    const { token } = await mint();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.tuple(fc.nat(), fc.constantFrom(...alphabet)).map(([pos, c]) => token.slice(0, pos % token.length) + c + token.slice((pos % token.length) + 1))), async (candidate) => {
        fc.pre(candidate !== token);
        const r = await kw.tokens.verify(candidate);
        // A change in the last base64url character's unused bits decodes to the same signature bytes.
        if (r.valid) {
          const [, , sig] = candidate.split('.');
          expect(Buffer.from(sig!, 'base64url').equals(Buffer.from(token.split('.')[2]!, 'base64url'))).toBe(true);
          expect(candidate.split('.').slice(0, 2).join('.')).toBe(token.split('.').slice(0, 2).join('.'));
        }
        return true;
      }),
      { numRuns: 10_000 },
    );
    await kw.close();
  }, 60_000);
});

describe('tokens over HTTP', () => {
  it('a backend mints an upload token with its secret key; the app uses it; TTL is capped per app; JWKS is public', async () => {
    const api = await makeApi();
    const sk = (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: { kind: 'secret', environment: 'live', name: 'backend' } })).json().secret;
    const minted = await api.server.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(sk), payload: { subject: 'user_1', audience: 'uploads', scopes: ['files:write'], ttlSeconds: 120, singleUse: true } });
    expect(minted.statusCode).toBe(201);
    const { token } = minted.json();
    const v1 = await api.server.inject({ method: 'POST', url: '/v1/tokens/verify', headers: bearer(sk), payload: { token, audience: 'uploads' } });
    expect(v1.json()).toMatchObject({ valid: true, subject: 'user_1', singleUse: true });
    const v2 = await api.server.inject({ method: 'POST', url: '/v1/tokens/verify', headers: bearer(sk), payload: { token, audience: 'uploads' } });
    expect(v2.json()).toMatchObject({ valid: false, code: 'TOKEN_ALREADY_USED' });
    const tooLong = await api.server.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(sk), payload: { subject: 'u', audience: 'a', scopes: [], ttlSeconds: 7200 } });
    expect(tooLong.json().code).toBe('VALIDATION_FAILED');
    const jwks = await api.server.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.statusCode).toBe(200);
    expect(jwks.headers['cache-control']).toContain('max-age');
    expect(jwks.body).not.toContain('"d"');
    await api.server.close();
    await api.kw.close();
  });
});
