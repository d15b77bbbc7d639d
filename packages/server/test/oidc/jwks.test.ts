import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maxAgeMs, parseJwks, RemoteJwks } from '../../src/oidc/jwks.js';
import { manualClock } from '../../src/lib/clock.js';
import { makeKey, startIdp } from './idp.js';

const rsaJwk = (bits: number, kid: string) => ({ ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }), kid });

describe('JWKS parsing: one algorithm per kid, public signing keys only', () => {
  it('pins each key to the algorithm its type allows and drops what it cannot pin', async () => {
    const ec = await makeKey('ES256', 'ec');
    const ed = await makeKey('EdDSA', 'ed');
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const keys = parseJwks({
      keys: [
        rsaJwk(2048, 'rsa'),
        ec.publicJwk,
        ed.publicJwk,
        rsaJwk(1024, 'weak'), // under 2048 bits
        { ...rsaJwk(2048, 'ps'), alg: 'PS256' }, // an alg its type does not mean here
        { ...ec.publicJwk, kid: 'enc', use: 'enc' }, // not for signatures
        { ...ec.publicJwk, kid: 'ops', key_ops: ['encrypt'] },
        { ...priv, kid: 'private' }, // a private key published by mistake
        { ...rsaJwk(2048, 'nokid'), kid: undefined },
        { ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }), kid: 'p384' },
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, // a shared secret is never a provider key
        rsaJwk(2048, 'twice'),
        { ...ec.publicJwk, kid: 'twice' }, // one kid, two keys: neither is used
      ],
    });
    expect([...keys.entries()].map(([kid, k]) => [kid, k.alg])).toEqual([
      ['rsa', 'RS256'],
      ['ec', 'ES256'],
      ['ed', 'EdDSA'],
    ]);
    expect(() => parseJwks({ nokeys: [] })).toThrow();
  });

  it('reads max-age (and no-store / no-cache as zero) from Cache-Control', () => {
    expect(maxAgeMs('public, max-age=300, must-revalidate')).toBe(300_000);
    expect(maxAgeMs('no-store')).toBe(0);
    expect(maxAgeMs('no-cache, max-age=60')).toBe(0);
    expect(maxAgeMs('private')).toBeUndefined();
    expect(maxAgeMs(undefined)).toBeUndefined();
  });
});

describe('RemoteJwks', () => {
  it('refuses a JWKS larger than maxBytes (IDP_UNAVAILABLE, nothing cached)', async () => {
    const idp = await startIdp();
    try {
      const key = await makeKey('ES256', 'ec');
      idp.publish(key, ...Array.from({ length: 60 }, (_, i) => ({ ...key.publicJwk, kid: `pad-${i}` })));
      const jwks = new RemoteJwks(idp.jwksUri, manualClock(), { maxBytes: 2048 });
      expect(await jwks.lookup('ec')).toEqual({ found: false, reason: 'JWKS_UNAVAILABLE' });
      const roomy = new RemoteJwks(idp.jwksUri, manualClock());
      expect((await roomy.lookup('ec')).found).toBe(true);
    } finally {
      await idp.close();
    }
  });

  it('concurrent lookups share one fetch', async () => {
    const idp = await startIdp();
    try {
      idp.publish(await makeKey('ES256', 'ec'));
      const jwks = new RemoteJwks(idp.jwksUri, manualClock());
      const all = await Promise.all(Array.from({ length: 10 }, (_, i) => jwks.lookup(i % 2 ? 'ec' : 'unknown')));
      expect(all.filter((r) => r.found)).toHaveLength(5);
      expect(idp.fetches).toBe(1);
    } finally {
      await idp.close();
    }
  });
});
