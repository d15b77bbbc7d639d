import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCanonicalCompactJws } from '../../src/tokens/verify.js';
import { tokenSetup } from './setup.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** One byte (0–255, any character) replaced, inserted or deleted at any position. */
function mutation(token: string) {
  return fc.tuple(fc.constantFrom('replace', 'insert', 'delete'), fc.nat({ max: token.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([op, at, byte]) => {
    const c = String.fromCharCode(byte);
    if (op === 'replace') return token.slice(0, at) + c + token.slice(at + 1);
    if (op === 'insert') return token.slice(0, at) + c + token.slice(at);
    return token.slice(0, at) + token.slice(at + 1);
  });
}

describe('token verification properties (frozen clock)', () => {
  it('arbitrary strings and single-byte mutations of valid EdDSA/ES256 tokens are never accepted and never throw (10^4 runs)', async () => {
    const { tokens, mint, close } = await tokenSetup();
    const ed = (await mint()).token;
    const es = (await mint({ alg: 'ES256' })).token;
    const jwtLike = fc.array(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 120 }), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
    const candidates = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 }), jwtLike, mutation(ed), mutation(es));
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(candidates, async (candidate) => {
        fc.pre(candidate !== ed && candidate !== es);
        const r = await tokens.verify(candidate); // a throw fails the property
        expect(r.valid).toBe(false);
        if (!r.valid) expect(Object.keys(r).sort()).toEqual(['code', 'reason', 'valid']);
        refused++;
      }),
      { numRuns: 10_000 },
    );
    expect(refused).toBeGreaterThan(9_000);
    await close();
  }, 120_000);

  it('any subject, audience and scopes round-trip through mint and verify', async () => {
    const { tokens, mint, close } = await tokenSetup();
    const text = fc.string({ minLength: 1, maxLength: 64 });
    const scope = fc.string({ unit: fc.constantFrom(...'abc:*_.-'), minLength: 1, maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(text, text, fc.array(scope, { maxLength: 5 }), fc.boolean(), async (subject, audience, scopes, es) => {
        const { token } = await mint({ subject, audience, scopes, ...(es ? { alg: 'ES256' as const } : {}) });
        const r = await tokens.verify(token, { audience });
        expect(r).toMatchObject({ valid: true, claims: { subject, audience, scopes } });
      }),
      { numRuns: 200 },
    );
    await close();
  });

  it('canonical base64url: of the spellings that decode to the same bytes, only one is accepted', () => {
    let variantsSeen = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 70 }), (bytes) => {
        const canonical = Buffer.from(bytes).toString('base64url');
        expect(isCanonicalCompactJws(`e30.e30.${canonical}`)).toBe(true);
        for (const c of B64URL) {
          const variant = canonical.slice(0, -1) + c;
          if (variant === canonical || !Buffer.from(variant, 'base64url').equals(Buffer.from(bytes))) continue;
          variantsSeen++;
          expect(isCanonicalCompactJws(`e30.e30.${variant}`)).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(variantsSeen).toBeGreaterThan(1_000);
  });
});
