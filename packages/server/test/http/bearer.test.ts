import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeywardError } from '../../src/errors/keyward-error.js';
import { presentedCredential } from '../../src/http/auth.js';

/** The pattern the Authorization header must match, as the reference the fast path must agree with. */
function reference(auth: string): string | 'REFUSED' {
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(auth);
  return m ? m[1]! : 'REFUSED';
}

function actual(auth: string): string | 'REFUSED' {
  try {
    return presentedCredential({ authorization: auth }) ?? 'REFUSED';
  } catch (err) {
    if (isKeywardError(err) && err.code === 'UNAUTHORIZED') return 'REFUSED';
    throw err;
  }
}

describe('Authorization: Bearer parsing', () => {
  it('accepts exactly what the pattern accepts, with the same token (10^4 cases)', () => {
    const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Bearer:', 'Basic', 'Bearerx', '');
    const gap = fc.constantFrom(' ', '  ', '', '\t', ' \t');
    const token = fc.oneof(fc.stringMatching(/^kw_[a-z]{2}_live_[0-9A-Za-z]{10}$/), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 12 }));
    const tail = fc.constantFrom('', ' ', '  ', '\t', ' x');
    fc.assert(
      fc.property(scheme, gap, token, tail, (s, g, t, e) => {
        const header = `${s}${g}${t}${e}`;
        expect(actual(header)).toBe(reference(header));
      }),
      { numRuns: 10_000 },
    );
  });
});
