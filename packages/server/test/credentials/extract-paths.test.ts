import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearerToken, isKeywardJwt, presented } from '../../src/credentials/extract.js';

/**
 * The two shortcuts of the credential parser that extract.test.ts does not pin: the usual
 * `Bearer ` spelling read without the regular expression, and the kid routing of JWTs (Keyward's
 * own or an identity provider's) with its bounded memory of decoded headers.
 */
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (header: unknown) => `${b64(header)}.${b64({ sub: 'u' })}.c2ln`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bearerToken(): the fast path', () => {
  it.each([
    ['Bearer abc', 'abc'],
    // The shortest header the fast path takes: 8 characters.
    ['Bearer a', 'a'],
    // The ends of printable ASCII.
    ['Bearer !~', '!~'],
    ['Bearer kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ])('the usual spelling %j is read without the regular expression', (header, token) => {
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    expect(bearerToken(header)).toBe(token);
    expect(exec).not.toHaveBeenCalled();
  });

  it.each([
    ['bearer abc', 'abc'],
    ['Bearer  abc', 'abc'],
    ['Bearer abc ', 'abc'],
    ['Bearer a\u00e9', 'a\u00e9'],
    // DEL is not printable: not the fast path's, though the pattern takes it as part of the token.
    ['Bearer a\u007f', 'a\u007f'],
  ])('any other spelling, %j, goes through the full pattern', (header, token) => {
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    expect(bearerToken(header)).toBe(token);
    expect(exec).toHaveBeenCalledTimes(1);
  });
});

describe('isKeywardJwt(): which verifier a JWT goes to', () => {
  it.each([
    ['a jwk_ kid', jwt({ alg: 'EdDSA', kid: 'jwk_0123456789abcdefghijkl' }), true],
    ['no kid', jwt({ alg: 'EdDSA' }), true],
    ['a header that is JSON null', `${b64(null)}.${b64({})}.c2ln`, true],
    ['a header that is not base64url JSON', 'eyJub3QganNvbg.e30.c2ln', true],
    ['an identity provider’s kid', jwt({ alg: 'RS256', kid: 'idp-key-1' }), false],
    ['a kid ending in jwk_', jwt({ alg: 'RS256', kid: 'idp_jwk_' }), false],
    ['a kid holding jwk_ later', jwt({ alg: 'RS256', kid: 'x-jwk_1' }), false],
    ['a numeric kid', jwt({ alg: 'RS256', kid: 5 }), false],
    ['a null kid', jwt({ alg: 'RS256', kid: null }), false],
  ])('%s → %s', (_name, token, expected) => {
    expect(isKeywardJwt(token)).toBe(expected);
    // Asked again (now from memory), the same answer.
    expect(isKeywardJwt(token)).toBe(expected);
  });

  it('only the header decides: the same header with another payload and signature gets the same answer', () => {
    const header = b64({ alg: 'RS256', kid: 'idp-key-2' });
    expect(isKeywardJwt(`${header}.${b64({ sub: 'a' })}.c2ln`)).toBe(false);
    expect(isKeywardJwt(`${header}.${b64({ sub: 'b', iss: 'https://idp.example' })}.AAAA`)).toBe(false);
  });
});

describe('isKeywardJwt(): the memory of decoded headers', () => {
  let n = 0;
  const fresh = () => jwt({ alg: 'RS256', kid: `mem-${n++}` });

  function decodeCounter() {
    const parse = vi.spyOn(JSON, 'parse');
    /** How many times the header was decoded to answer this one call. */
    return (token: string): number => {
      const before = parse.mock.calls.length;
      isKeywardJwt(token);
      return parse.mock.calls.length - before;
    };
  }

  it('a header seen before is not decoded again', () => {
    const decodes = decodeCounter();
    const token = fresh();
    expect(decodes(token)).toBe(1);
    expect(decodes(token)).toBe(0);
    expect(decodes(token)).toBe(0);
  });

  it('holds 512 headers, and forgets them all when a 513th comes', () => {
    const decodes = decodeCounter();
    // Find the moment the memory is emptied: then it holds exactly the header that came last and the probe.
    const probe = fresh();
    decodes(probe);
    let rounds = 0;
    for (;;) {
      decodes(fresh());
      if (decodes(probe) === 1) break;
      if (++rounds > 2000) throw new Error('the memory never forgot a header: unbounded');
    }
    const held = Array.from({ length: 510 }, fresh);
    for (const t of held) expect(decodes(t)).toBe(1);
    // 512 headers now: every one of them answered from memory.
    expect(decodes(probe)).toBe(0);
    expect(held.filter((t) => decodes(t) !== 0)).toEqual([]);
    // The next new header empties it first.
    expect(decodes(fresh())).toBe(1);
    expect(decodes(probe)).toBe(1);
    expect(decodes(held[0]!)).toBe(1);
  });
});

describe('presented(): an X-Api-Key beside a non-Bearer Authorization', () => {
  const SIG = { 'signature-input': 'sig=("@method");created=1;keyid="k"', signature: 'sig=:AAAA:' };
  const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

  it('beside an Authorization: Signature scheme it is ambiguous, not silently dropped for the signature', () => {
    expect(presented({ authorization: 'Signature x', ...SIG, 'x-api-key': KEY })).toEqual({ type: 'ambiguous' });
  });

  it('repeated beside an Authorization: Signature scheme it is ambiguous too', () => {
    expect(presented({ authorization: 'Signature x', ...SIG, 'x-api-key': [KEY, KEY] })).toEqual({ type: 'ambiguous' });
  });
});
