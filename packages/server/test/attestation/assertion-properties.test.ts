import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyGenericAssertion } from '../../src/attestation/assertion.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64url');
const clientData = new TextEncoder().encode('keyward-assertion/1\nPOST\n/pay\n\njti');
const good = (counter: number) => `${counter}.${sign('sha256', Buffer.concat([clientData, Buffer.from(`\n${counter}`)]), { key: privateKey, dsaEncoding: 'der' }).toString('base64url')}`;

describe('generic assertion parser (property-based)', () => {
  it('never throws and never accepts an arbitrary header value (10^4 cases)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (assertion) => {
        const v = verifyGenericAssertion({ publicKeySpki: spki, storedCounter: 0, assertion, clientData });
        expect(v.ok).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });

  it('a valid assertion with any single character changed is refused, unless the change leaves the decoded bytes as they were (2×10^3 cases)', () => {
    const valid = good(42);
    expect(verifyGenericAssertion({ publicKeySpki: spki, storedCounter: 0, assertion: valid, clientData })).toEqual({ ok: true, counter: 42 });
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...'0123456789.ABCDEFabcdef-_'), (i, c) => {
        fc.pre(valid[i] !== c);
        const changed = valid.slice(0, i) + c + valid.slice(i + 1);
        const v = verifyGenericAssertion({ publicKeySpki: spki, storedCounter: 0, assertion: changed, clientData });
        // A changed signature byte can at most leave the DER value the same (trailing base64url bits): then the counter must still be 42.
        if (v.ok) expect(v.counter).toBe(42);
        else expect(['ASSERTION_INVALID', 'ASSERTION_COUNTER_REPLAYED']).toContain(v.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('a counter at or below the stored one is ASSERTION_COUNTER_REPLAYED, checked only after the signature', () => {
    expect(verifyGenericAssertion({ publicKeySpki: spki, storedCounter: 42, assertion: good(42), clientData })).toMatchObject({ ok: false, code: 'ASSERTION_COUNTER_REPLAYED' });
    expect(verifyGenericAssertion({ publicKeySpki: spki, storedCounter: 41, assertion: good(42), clientData })).toEqual({ ok: true, counter: 42 });
    const forged = `99.${good(42).split('.')[1]}`;
    expect(verifyGenericAssertion({ publicKeySpki: spki, storedCounter: 100, assertion: forged, clientData })).toMatchObject({ ok: false, code: 'ASSERTION_INVALID' });
  });
});
