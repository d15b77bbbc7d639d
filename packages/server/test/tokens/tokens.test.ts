import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { isKeywardError } from '../../src/errors/keyward-error.js';
import { createTokenService } from '../../src/tokens/service.js';
import type { TokenStore } from '../../src/tokens/store.js';
import { CLI } from '../helpers.js';
import { decodeHeader, decodePayload, T0S, tokenSetup } from './setup.js';

describe('short-lived tokens: mint and verify', () => {
  it('round trip for EdDSA and ES256, with every claim the issue names', async () => {
    const { tokens, app, mint, close } = await tokenSetup();
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const minted = await mint({ alg, scopes: ['files:write', 'files:read'], claims: { upload: 'u_1' } });
      expect(decodeHeader(minted.token)).toEqual({ alg, kid: minted.kid, typ: 'JWT' });
      expect(decodePayload(minted.token)).toEqual({
        iss: 'keyward', sub: 'user_1', aud: 'uploads', iat: T0S, nbf: T0S, exp: T0S + 300, jti: minted.jti,
        kw_app: app.id, kw_env: 'live', scope: 'files:write files:read', upload: 'u_1',
      });
      expect(minted.expiresAtMs).toBe((T0S + 300) * 1000);
      const r = await tokens.verify(minted.token, { audience: 'uploads', appId: app.id, environment: 'live', requiredScopes: ['files:read'] });
      expect(r).toEqual({
        valid: true, code: 'VALID',
        claims: { jti: minted.jti, kid: minted.kid, subject: 'user_1', appId: app.id, environment: 'live', scopes: ['files:write', 'files:read'], audience: 'uploads', issuedAtMs: T0S * 1000, expiresAtMs: (T0S + 300) * 1000, singleUse: false, extra: { upload: 'u_1' } },
      });
    }
    await close();
  });

  it('a configured issuer is set and required', async () => {
    const a = await tokenSetup({ issuer: 'https://auth.example' });
    const { token } = await a.mint();
    expect(decodePayload(token).iss).toBe('https://auth.example');
    expect((await a.tokens.verify(token)).valid).toBe(true);
    const b = createTokenService({ store: a.store, keyring: a.kw.keyring, now: a.clock, maintenanceIntervalMs: 0 });
    expect(await b.verify(token)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'ISSUER' });
    await a.close();
  });

  it('exp and nbf are enforced with the clock tolerance, on cached tokens too', async () => {
    const { kw, store, tokens, clock, mint, close } = await tokenSetup({ clockToleranceSeconds: 5 });
    const { token } = await mint({ ttlSeconds: 60 });
    expect((await tokens.verify(token)).valid).toBe(true); // now cached
    clock.advance(64_000);
    expect((await tokens.verify(token)).valid).toBe(true); // past exp, within tolerance: full verify
    clock.advance(1_000);
    expect(await tokens.verify(token)).toEqual({ valid: false, code: 'TOKEN_EXPIRED', reason: 'EXPIRED' });
    // A minter whose clock runs ahead: nbf up to the tolerance ahead is accepted, beyond it is not.
    clock.set(T0S * 1000);
    for (const [aheadMs, valid] of [[5_000, true], [6_000, false]] as const) {
      const minter = createTokenService({ store, keyring: kw.keyring, now: () => clock() + aheadMs, maintenanceIntervalMs: 0 });
      const ahead = await minter.mint({ appId: 'app_x', environment: 'live', subject: 's', scopes: [], audience: 'a', ttlSeconds: 60 });
      expect(await tokens.verify(ahead.token)).toMatchObject(valid ? { valid: true } : { valid: false, code: 'TOKEN_INVALID', reason: 'NOT_YET_VALID' });
    }
    await close();
  });

  it('TTL above the cap is VALIDATION_FAILED, never clipped; the per-app cap lowers it', async () => {
    const { kw, store, app, mint, close } = await tokenSetup({ maxTtlSeconds: 3600 });
    await expect(mint({ ttlSeconds: 3600 })).resolves.toMatchObject({ expiresAtMs: (T0S + 3600) * 1000 });
    for (const ttlSeconds of [3601, 0, -1, 1.5, Number.NaN]) {
      const err = await mint({ ttlSeconds }).catch((e: unknown) => e);
      expect(isKeywardError(err) && err.code === 'VALIDATION_FAILED' && err.errors?.[0]?.pointer === '/ttlSeconds').toBe(true);
    }
    await expect(mint({ ttlSeconds: 120, ttlCapSeconds: 60 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const capped = createTokenService({ store, keyring: kw.keyring, maintenanceIntervalMs: 0, appMaxTtlSeconds: (id) => (id === app.id ? 60 : undefined) });
    await expect(capped.mint({ appId: app.id, environment: 'live', subject: 's', scopes: [], audience: 'a', ttlSeconds: 61 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(capped.mint({ appId: 'app_other', environment: 'live', subject: 's', scopes: [], audience: 'a', ttlSeconds: 61 })).resolves.toBeDefined();
    await close();
  });

  it('refuses reserved claims and scopes that would corrupt the space-separated scope claim', async () => {
    const { mint, close } = await tokenSetup();
    for (const name of ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'kw_app', 'kw_env', 'kw_single']) {
      await expect(mint({ claims: { [name]: 'x' } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    await expect(mint({ scopes: ['files:write admin:*'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(mint({ subject: '' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await close();
  });

  it('options are validated once, with a TypeError naming the option', async () => {
    const { store, kw, close } = await tokenSetup();
    for (const bad of [{ maxTtlSeconds: 0 }, { clockToleranceSeconds: -1 }, { verifiedCacheMaxEntries: 1.5 }, { issuer: '' }]) {
      expect(() => createTokenService({ store, keyring: kw.keyring, ...bad })).toThrow(TypeError);
    }
    await close();
  });

  it('a store failure is an exception, never a "no"', async () => {
    const { store, kw, clock, close } = await tokenSetup();
    const broken: TokenStore = { ...bindAll(store), consumeJti: async () => Promise.reject(new Error('db down')) };
    const tokens = createTokenService({ store: broken, keyring: kw.keyring, now: clock, maintenanceIntervalMs: 0 });
    const { token } = await tokens.mint({ appId: 'app_x', environment: 'live', subject: 's', scopes: [], audience: 'a', ttlSeconds: 60, singleUse: true });
    await expect(tokens.verify(token)).rejects.toThrow('db down');
    await close();
  });
});

describe('short-lived tokens: single use', () => {
  it('50 concurrent verifications of one single-use token: exactly one VALID', async () => {
    const { tokens, mint, close } = await tokenSetup();
    const { token } = await mint({ singleUse: true });
    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.verify(token, { audience: 'uploads' })));
    expect(results.filter((r) => r.valid)).toHaveLength(1);
    expect(results.filter((r) => !r.valid && r.code === 'TOKEN_ALREADY_USED' && r.reason === 'JTI_CONSUMED')).toHaveLength(49);
    await close();
  });

  it('is consumed only after signature and claims verify: forged or misdirected copies do not burn it', async () => {
    const { tokens, mint, close } = await tokenSetup();
    const { token } = await mint({ singleUse: true });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    expect(await tokens.verify(forged)).toMatchObject({ valid: false, reason: 'SIGNATURE' });
    expect(await tokens.verify(token, { audience: 'other' })).toMatchObject({ valid: false, reason: 'AUDIENCE' });
    expect(await tokens.verify(token, { requiredScopes: ['admin:write'] })).toMatchObject({ valid: false, code: 'INSUFFICIENT_SCOPES' });
    expect((await tokens.verify(token, { audience: 'uploads' })).valid).toBe(true);
    expect(await tokens.verify(token, { audience: 'uploads' })).toMatchObject({ valid: false, code: 'TOKEN_ALREADY_USED' });
    expect(tokens.cachedTokens).toBe(0);
    await close();
  });

  it('spent jtis are pruned only once their token can no longer verify', async () => {
    const { tokens, store, clock, mint, close } = await tokenSetup({ clockToleranceSeconds: 5 });
    const { token } = await mint({ singleUse: true, ttlSeconds: 60 });
    expect((await tokens.verify(token)).valid).toBe(true);
    clock.advance(64_999); // just before exp + tolerance: the token itself is still acceptable …
    await tokens.maintain();
    expect(await tokens.verify(token)).toMatchObject({ code: 'TOKEN_ALREADY_USED' }); // … so its jti was kept
    clock.advance(1_001); // exp + tolerance + 1 s: the row may go
    expect(await store.pruneJtis(clock())).toBe(1);
    await close();
  });
});

describe('short-lived tokens: verified-token cache', () => {
  it('caches successes only, re-checks expectations per call, and is bounded LRU', async () => {
    const { tokens, mint, close } = await tokenSetup({ verifiedCacheMaxEntries: 2 });
    const [a, b, c] = await Promise.all([mint({ subject: 'a' }), mint({ subject: 'b' }), mint({ subject: 'c' })]);
    expect((await tokens.verify(a.token, { audience: 'nope' })).valid).toBe(false);
    expect(tokens.cachedTokens).toBe(0);
    expect((await tokens.verify(a.token)).valid).toBe(true);
    expect(await tokens.verify(a.token, { audience: 'nope' })).toMatchObject({ valid: false, reason: 'AUDIENCE' }); // cached, still checked
    expect(await tokens.verify(a.token, { appId: 'app_other' })).toMatchObject({ valid: false, reason: 'OTHER_APP' });
    await tokens.verify(b.token);
    await tokens.verify(a.token); // a is now most recent
    await tokens.verify(c.token); // evicts b
    expect(tokens.cachedTokens).toBe(2);
    await close();
  });

  it('a disabled cache (0 entries) verifies every time', async () => {
    const { tokens, mint, close } = await tokenSetup({ verifiedCacheMaxEntries: 0 });
    const { token } = await mint();
    expect((await tokens.verify(token)).valid).toBe(true);
    expect(tokens.cachedTokens).toBe(0);
    await close();
  });
});

describe('short-lived tokens: signing keys', () => {
  it('the JWKS carries only public parts, with alg, kid and use: sig, one algorithm per kid', async () => {
    const { tokens, mint, close } = await tokenSetup();
    const { token, kid } = await mint();
    const { keys } = await tokens.jwks();
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA']);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(k.alg === 'EdDSA' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(k).not.toHaveProperty('d');
      expect(k).toMatchObject({ use: 'sig', kid: expect.stringMatching(/^jwk_[0-9A-Za-z]{22}$/) });
    }
    // A third party verifies with nothing but the JWKS.
    await expect(jwtVerify(token, createLocalJWKSet({ keys } as never), { currentDate: new Date(T0S * 1000) })).resolves.toMatchObject({ protectedHeader: { kid } });
    await close();
  });

  it('immediate rotation: old tokens verify until the old key retires; then the kid is unknown', async () => {
    const { kw, tokens, store, clock, mint, close } = await tokenSetup({ maxTtlSeconds: 3600, clockToleranceSeconds: 5, keyRefreshIntervalMs: 30_000 });
    const old = await mint({ ttlSeconds: 3600 });
    const rotated = await tokens.rotate('EdDSA', CLI, { immediate: true });
    const fresh = await mint();
    expect(fresh.kid).toBe(rotated.kid);
    expect(fresh.kid).not.toBe(old.kid);
    expect((await tokens.verify(old.token)).valid).toBe(true);
    expect((await tokens.jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([old.kid, rotated.kid]));
    clock.advance(3600_000 + 5_000 + 30_000 - 1); // one ms before retirement: still published
    expect((await tokens.jwks()).keys.map((k) => k.kid)).toContain(old.kid);
    expect(await store.retireSigningKeys(clock(), CLI)).toEqual([]);
    clock.advance(1);
    expect((await tokens.jwks()).keys.map((k) => k.kid)).not.toContain(old.kid); // pure check: hidden at once …
    await tokens.maintain(); // … and retired in the store, audited
    expect((await store.listSigningKeys()).map((k) => k.kid)).not.toContain(old.kid);
    const trail = (await kw.store.listAudit({ limit: 100 })).filter((a) => a.action.startsWith('signing_key.'));
    expect(trail.map((a) => [a.action, a.target])).toEqual(expect.arrayContaining([['signing_key.rotate', rotated.kid], ['signing_key.retire', old.kid]]));
    // A token signed by the retired key no longer verifies: the kid is checked before exp.
    expect(await tokens.verify(old.token)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'UNKNOWN_KID' });
    await close();
  });

  it('private keys are stored sealed, bound to their kid', async () => {
    const { kw, tokens, store, close } = await tokenSetup();
    await tokens.init();
    const [a, b] = await store.listSigningKeys();
    expect(a!.sealedPrivateJwk).toMatch(/^kws1\./);
    expect(a!.sealedPrivateJwk).not.toContain('"d"');
    expect(() => kw.keyring.open(a!.sealedPrivateJwk, `jwk:${b!.kid}`)).toThrow();
    expect(JSON.parse(kw.keyring.open(a!.sealedPrivateJwk, `jwk:${a!.kid}`).toString('utf8'))).toHaveProperty('d');
    await close();
  });

  it('a second service on the same store (another node) verifies tokens and sees rotations', async () => {
    const { kw, tokens, store, clock, mint, close } = await tokenSetup();
    const node2 = createTokenService({ store, keyring: kw.keyring, now: clock, maintenanceIntervalMs: 0 });
    expect((await node2.verify((await mint()).token)).valid).toBe(true);
    await tokens.rotate('EdDSA', CLI, { immediate: true }); // signs at once: node2 has never seen its kid
    clock.advance(1_000); // an unknown kid re-reads the store at most once a second
    expect((await node2.verify((await mint()).token)).valid).toBe(true);
    await close();
  });
});

function bindAll(store: TokenStore): TokenStore {
  return {
    listSigningKeys: () => store.listSigningKeys(),
    listAllSigningKeys: (a, l) => store.listAllSigningKeys(a, l),
    resealSigningKey: (k, f, t, n, a) => store.resealSigningKey(k, f, t, n, a),
    rotateSigningKey: (n, r, a) => store.rotateSigningKey(n, r, a),
    publishSigningKey: (n, a) => store.publishSigningKey(n, a),
    activateSigningKeys: (n, o, b) => store.activateSigningKeys(n, o, b),
    retireSigningKeys: (n, b) => store.retireSigningKeys(n, b),
    consumeJti: (j, e, n) => store.consumeJti(j, e, n),
    pruneJtis: (n) => store.pruneJtis(n),
    revokeToken: (r, a) => store.revokeToken(r, a),
    getRevokedTokens: (j) => store.getRevokedTokens(j),
    listRevokedTokens: (n) => store.listRevokedTokens(n),
    pruneRevokedTokens: (n) => store.pruneRevokedTokens(n),
  };
}
