import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpMessageView } from '@keyward/protocol';
import { verifyRequestSignature } from '../../src/signatures/verify.js';
import { keyPair, signedMessage, verifyOptions } from './helpers.js';

/**
 * For a validly signed request, any single change to a covered part — method, path, query,
 * authority, a covered header, the body, the signature bytes or the signature parameters — is
 * rejected, and nothing throws.
 */
describe('signature verification under mutation (10^4 cases)', () => {
  it('no mutated request is ever accepted', async () => {
    const k = await keyPair('hmac-sha256');
    const { view, body } = await signedMessage(k.signer, {
      method: 'POST',
      url: 'https://api.example.com/v1/users/42/tags?limit=10',
      headers: { 'content-type': 'application/json', authorization: 'Bearer kw_ss_live_xyz' },
      body: '{"tag":"vip"}',
    });
    const baseline = await verifyRequestSignature(view, body, verifyOptions(k.verify, k.keyId));
    expect(baseline.valid).toBe(true);

    const target = fc.constantFrom('method', 'path', 'query', 'authority', 'header', 'body', 'signature', 'input');
    await fc.assert(
      fc.asyncProperty(target, fc.nat(), fc.constantFrom(...'abcXYZ019-_.;=:"()@!'.split('')), async (where, pos, ch) => {
        const mutate = (s: string) => {
          const i = pos % Math.max(1, s.length);
          const next = s.slice(0, i) + ch + s.slice(i + 1);
          return next === s ? `${s}${ch === 'x' ? 'y' : 'x'}` : next;
        };
        let v: HttpMessageView = view;
        let b = body;
        const line = (name: string, f: (x: string) => string) => ({ ...v, headerLines: v.headerLines.map(([n, val]) => [n, n.toLowerCase() === name ? f(val) : val] as [string, string]) });
        if (where === 'method') v = { ...v, method: mutate(v.method) };
        else if (where === 'path') v = { ...v, rawTarget: mutate(v.rawTarget.split('?')[0]!) + '?' + v.rawTarget.split('?')[1] };
        else if (where === 'query') v = { ...v, rawTarget: v.rawTarget.split('?')[0] + '?' + mutate(v.rawTarget.split('?')[1]!) };
        else if (where === 'authority') {
          // Authority is case-insensitive (RFC 9421 §2.2.3): a case-only change is the same authority.
          fc.pre(mutate(v.authority).toLowerCase() !== v.authority.toLowerCase());
          v = { ...line('host', mutate), authority: mutate(v.authority) };
        }
        else if (where === 'header') v = line('authorization', mutate);
        else if (where === 'body') b = new TextEncoder().encode(mutate(new TextDecoder().decode(body)));
        else if (where === 'signature') v = line('signature', (s) => s.slice(0, 4) + mutate(s.slice(4, -1)) + s.slice(-1));
        else v = line('signature-input', (s) => s.slice(0, 3) + mutate(s.slice(3)));
        const result = await verifyRequestSignature(v, b, verifyOptions(k.verify, k.keyId));
        return result.valid === false;
      }),
      { numRuns: 10_000 },
    );
  }, 120_000);
});
