import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { isKeywardError } from '../../src/errors/keyward-error.js';
import { createTokenService } from '../../src/tokens/service.js';
import { CLI } from '../helpers.js';
import { T0, tokenSetup } from './setup.js';

/** Publish-first rotation of signing keys: in the JWKS first, signing from `activatesAtMs`. */

const DELAY_S = 360;
const TTL_S = 3600;
const TOLERANCE_S = 5;
const REFRESH_MS = 30_000;
/** When a key replaced at `switchMs` stops verifying: its tokens' longest life, tolerance, one refresh. */
const retiresAt = (switchMs: number) => switchMs + (TTL_S + TOLERANCE_S) * 1000 + REFRESH_MS;
const options = { signingKeyPublishDelaySeconds: DELAY_S, maxTtlSeconds: TTL_S, clockToleranceSeconds: TOLERANCE_S, keyRefreshIntervalMs: REFRESH_MS };
const kids = (jwks: { keys: Record<string, string>[] }) => jwks.keys.map((k) => k.kid);

describe('signing-key rotation: publish first, then sign', () => {
  it('the first key of an algorithm signs at once (a fresh install works immediately)', async () => {
    const { tokens, mint, close } = await tokenSetup(options);
    const first = await tokens.rotate('ES256', CLI); // nothing exists yet: no waiting
    expect(first).toEqual({ kid: first.kid, alg: 'ES256', state: 'active', createdAtMs: T0, activatesAtMs: T0 });
    expect((await mint({ alg: 'ES256' })).kid).toBe(first.kid);
    expect((await mint({ alg: 'EdDSA' })).kid).toMatch(/^jwk_/); // init() created the other one, active too
    await close();
  });

  it('the JWKS holds the pending key before it signs; tokens keep the old kid until activatesAtMs, then the new one', async () => {
    const { tokens, store, clock, mint, close } = await tokenSetup(options);
    const old = await mint();
    const rotated = await tokens.rotate('EdDSA', CLI);
    expect(rotated).toMatchObject({ state: 'pending', createdAtMs: T0, activatesAtMs: T0 + DELAY_S * 1000 });
    const cachedByVerifier = await tokens.jwks(); // what a verifier fetched right after the rotation
    expect(kids(cachedByVerifier)).toEqual(expect.arrayContaining([old.kid, rotated.kid]));
    expect((await mint()).kid).toBe(old.kid);
    clock.advance(DELAY_S * 1000 - 1);
    const lastOld = await mint({ ttlSeconds: TTL_S });
    expect(lastOld.kid).toBe(old.kid);
    clock.advance(1);
    const first = await mint();
    expect(first.kid).toBe(rotated.kid); // the switch needs no store write: nothing has run maintenance
    expect((await store.listSigningKeys()).find((k) => k.kid === rotated.kid)?.state).toBe('pending');
    // The verifier's copy from before the switch already verifies the new kid: no refetch needed.
    await expect(jwtVerify(first.token, createLocalJWKSet(cachedByVerifier as never), { currentDate: new Date(clock()) })).resolves.toMatchObject({ protectedHeader: { kid: rotated.kid } });
    expect((await tokens.verify(first.token)).valid).toBe(true);
    expect((await tokens.verify(lastOld.token)).valid).toBe(true);
    await close();
  });

  it('after activation the old key verifies until its last tokens have expired, then retires', async () => {
    const { kw, tokens, store, clock, mint, close } = await tokenSetup(options);
    const old = await mint();
    const rotated = await tokens.rotate('EdDSA', CLI);
    const switchMs = rotated.activatesAtMs;
    clock.set(switchMs - 1);
    const lastOld = await mint({ ttlSeconds: TTL_S });
    clock.set(switchMs + 10_000); // maintenance runs a little late: retirement still counts from the switch
    await tokens.maintain();
    const keys = await store.listSigningKeys();
    expect(keys.find((k) => k.kid === rotated.kid)?.state).toBe('active');
    expect(keys.find((k) => k.kid === old.kid)).toMatchObject({ state: 'published', retireAfterMs: retiresAt(switchMs) });
    const activation = (await kw.store.listAudit({ limit: 100, target: rotated.kid })).map((a) => [a.action, a.data.demoted ?? null]);
    expect(activation).toEqual([['signing_key.rotate', null], ['signing_key.activate', [old.kid]]]);
    clock.set(lastOld.expiresAtMs + TOLERANCE_S * 1000 - 1); // the old key's last token, at the end of its life
    expect((await tokens.verify(lastOld.token, { audience: 'uploads' })).valid).toBe(true);
    clock.set(retiresAt(switchMs) - 1);
    expect(kids(await tokens.jwks())).toContain(old.kid);
    clock.set(retiresAt(switchMs));
    expect(kids(await tokens.jwks())).not.toContain(old.kid);
    await tokens.maintain();
    expect((await store.listSigningKeys()).map((k) => k.kid)).not.toContain(old.kid);
    expect((await mint()).kid).toBe(rotated.kid);
    await close();
  });

  it('two services sharing one store agree on the signer at every instant, whichever records the activation', async () => {
    const { kw, tokens: node1, store, clock, close } = await tokenSetup(options);
    const node2 = createTokenService({ store, keyring: kw.keyring, now: clock, maintenanceIntervalMs: 0, ...options });
    const input = { appId: 'app_x', environment: 'live' as const, subject: 's', scopes: [], audience: 'a', ttlSeconds: 60 };
    const signers = async () => [(await node1.mint(input)).kid, (await node2.mint(input)).kid];
    const [old] = await signers();
    const rotated = await node1.rotate('EdDSA', CLI);
    clock.advance(REFRESH_MS); // node2 re-reads the keys on its own schedule, long before the switch
    expect(await signers()).toEqual([old, old]);
    expect(kids(await node2.jwks())).toContain(rotated.kid); // node2 publishes it too
    clock.set(rotated.activatesAtMs - 1);
    expect(await signers()).toEqual([old, old]);
    clock.set(rotated.activatesAtMs);
    expect(await signers()).toEqual([rotated.kid, rotated.kid]);
    await Promise.all([node1.maintain(), node2.maintain()]); // both race to record it: one does
    expect(await signers()).toEqual([rotated.kid, rotated.kid]);
    expect((await kw.store.listAudit({ limit: 100, target: rotated.kid })).filter((a) => a.action === 'signing_key.activate')).toHaveLength(1);
    // Each verifies the other's tokens, old and new.
    for (const [minter, verifier] of [[node1, node2], [node2, node1]] as const) expect((await verifier.verify((await minter.mint(input)).token)).valid).toBe(true);
    node2.close();
    await close();
  });

  it('a second rotation while one is pending is CONFLICT and changes nothing; once due, a new one is accepted', async () => {
    const { tokens, store, clock, close } = await tokenSetup(options);
    await tokens.init();
    const pending = await tokens.rotate('EdDSA', CLI);
    const before = await store.listSigningKeys();
    await expect(tokens.rotate('EdDSA', CLI)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.listSigningKeys()).toEqual(before);
    expect((await tokens.rotate('ES256', CLI)).state).toBe('pending'); // per algorithm
    clock.set(pending.activatesAtMs); // due but not yet recorded by maintenance: rotate records it first
    const next = await tokens.rotate('EdDSA', CLI);
    expect(next).toMatchObject({ state: 'pending', activatesAtMs: pending.activatesAtMs + DELAY_S * 1000 });
    expect((await store.listSigningKeys()).find((k) => k.kid === pending.kid)?.state).toBe('active');
    await close();
  });

  it('a publish delay of 0 signs at once', async () => {
    const { tokens, mint, close } = await tokenSetup({ ...options, signingKeyPublishDelaySeconds: 0 });
    await mint();
    const rotated = await tokens.rotate('EdDSA', CLI);
    expect(rotated).toMatchObject({ state: 'active', activatesAtMs: T0 });
    expect((await mint()).kid).toBe(rotated.kid);
    await close();
  });

  it('the delay option is validated once, with a TypeError', async () => {
    const { store, kw, close } = await tokenSetup();
    for (const bad of [-1, 1.5, 86_401]) expect(() => createTokenService({ store, keyring: kw.keyring, signingKeyPublishDelaySeconds: bad })).toThrow(TypeError);
    await close();
  });
});

describe('signing-key rotation: immediate (a leaked private key)', () => {
  it('signs at once, demotes the pending key too, and old tokens keep verifying unless revoked', async () => {
    const { tokens, clock, mint, close } = await tokenSetup(options);
    const old = await mint();
    const pending = await tokens.rotate('EdDSA', CLI);
    const emergency = await tokens.rotate('EdDSA', CLI, { immediate: true });
    expect(emergency).toMatchObject({ state: 'active', activatesAtMs: T0 });
    expect((await mint()).kid).toBe(emergency.kid);
    expect((await tokens.verify(old.token)).valid).toBe(true);
    clock.set(pending.activatesAtMs); // the earlier schedule no longer takes over
    expect((await mint()).kid).toBe(emergency.kid);
    await close();
  });

  it('revokePrevious: tokens of the replaced keys are refused at once, cached or not, and the keys leave the JWKS', async () => {
    const { kw, tokens, mint, close } = await tokenSetup(options);
    const old = await mint();
    const other = await mint({ subject: 'user_2' });
    expect((await tokens.verify(old.token)).valid).toBe(true); // now in the verified-token cache
    const pending = await tokens.rotate('EdDSA', CLI);
    const emergency = await tokens.rotate('EdDSA', CLI, { immediate: true, revokePrevious: true });
    for (const t of [old.token, other.token]) expect(await tokens.verify(t)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'UNKNOWN_KID' });
    const published = kids(await tokens.jwks());
    expect(published).toContain(emergency.kid);
    expect(published).not.toContain(old.kid);
    expect(published).not.toContain(pending.kid);
    expect((await tokens.verify((await mint()).token)).valid).toBe(true);
    const trail = (await kw.store.listAudit({ limit: 100 })).filter((a) => a.action.startsWith('signing_key.'));
    expect(trail.find((a) => a.target === emergency.kid)?.data).toMatchObject({ immediate: true, revokePrevious: true });
    expect(trail.filter((a) => a.action === 'signing_key.retire').map((a) => a.target).sort()).toEqual([old.kid, pending.kid].sort());
    await close();
  });

  it('revokePrevious without immediate is VALIDATION_FAILED and changes nothing', async () => {
    const { tokens, store, close } = await tokenSetup(options);
    await tokens.init();
    const before = await store.listSigningKeys();
    const err = await tokens.rotate('EdDSA', CLI, { revokePrevious: true }).catch((e: unknown) => e);
    expect(isKeywardError(err) && err.code === 'VALIDATION_FAILED' && err.errors?.[0]?.pointer === '/revokePrevious').toBe(true);
    expect(await store.listSigningKeys()).toEqual(before);
    await close();
  });
});
