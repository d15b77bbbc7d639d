import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLeakReport } from '../../src/leaks/report.js';
import { parseLeakPublicKeys, verifyLeakSignature } from '../../src/leaks/signature.js';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = parseLeakPublicKeys({ public_keys: [{ key_identifier: 'k1', key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), is_current: true }] });

describe('leak report signature and parsing under arbitrary input', () => {
  it('random bytes with random headers never verify (and never throw)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.option(fc.string({ maxLength: 300 })), fc.option(fc.string({ maxLength: 300 })), (body, id, sig) => {
        const r = verifyLeakSignature(body, { keyIdentifier: id ?? undefined, signature: sig ?? undefined }, keys);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid signature verifies, and any single-byte change of the body does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (body, at, delta) => {
        const sig = sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
        expect(verifyLeakSignature(body, { keyIdentifier: 'k1', signature: sig }, keys).ok).toBe(true);
        const changed = Uint8Array.from(body);
        const i = at % changed.length;
        changed[i] = (changed[i]! + delta) % 256;
        expect(verifyLeakSignature(changed, { keyIdentifier: 'k1', signature: sig }, keys)).toEqual({ ok: false, refusal: 'bad_signature' });
      }),
      { numRuns: 100 },
    );
  });

  it('the parser answers every string with a value: entries, a pointer, or malformed_json (never throws)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 500 }), fc.json({ maxDepth: 4 })), (text) => {
        const r = parseLeakReport(text);
        if (r !== 'malformed_json' && r.ok) for (const e of r.entries) expect(typeof e.token).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('a nesting bomb is refused as a value, not a crash', () => {
    const r = parseLeakReport('['.repeat(100_000));
    expect(r).toBe('malformed_json');
  });
});
