import { generateKey } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { bearerToken, keysInTarget, looksLikeJwt, mayHoldKey, presented } from '../../src/credentials/extract.js';

/** The one credential parser, directly: every adapter reads credentials through it. */
const KEY = generateKey('secret', 'live', (n) => new Uint8Array(n).fill(7));
const OTHER = generateKey('publishable', 'test', (n) => new Uint8Array(n).fill(9));
const SIG = { 'signature-input': 'sig=("@method");created=1;keyid="k"', signature: 'sig=:AAAA:' };

describe('presented()', () => {
  it.each([
    ['nothing', {}, { type: 'none' }],
    ['a bearer token', { authorization: `Bearer ${KEY}` }, { type: 'bearer', value: KEY }],
    ['an X-Api-Key', { 'x-api-key': KEY }, { type: 'bearer', value: KEY }],
    ['the same key in both headers', { authorization: `Bearer ${KEY}`, 'x-api-key': KEY }, { type: 'bearer', value: KEY }],
    ['two different keys', { authorization: `Bearer ${KEY}`, 'x-api-key': OTHER }, { type: 'ambiguous' }],
    ['X-Api-Key twice', { 'x-api-key': [KEY, KEY] }, { type: 'ambiguous' }],
    ['X-Api-Key twice beside a bearer token', { authorization: `Bearer ${KEY}`, 'x-api-key': [KEY, KEY] }, { type: 'ambiguous' }],
    ['a Basic authorization', { authorization: 'Basic dXNlcjpwYXNz' }, { type: 'malformed' }],
    ['a Basic authorization with an X-Api-Key', { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': KEY }, { type: 'malformed' }],
    ['an Authorization: Signature scheme with Signature-Input', { authorization: 'Signature x', ...SIG }, { type: 'signature' }],
    ['Signature-Input and Signature', SIG, { type: 'signature' }],
    ['Signature-Input alone', { 'signature-input': SIG['signature-input'] }, { type: 'signature' }],
    ['Signature alone', { signature: SIG.signature }, { type: 'signature' }],
    // The bearer credential is what is presented; authenticate() then checks the signature too.
    ['a bearer token and a signature', { authorization: `Bearer ${KEY}`, ...SIG }, { type: 'bearer', value: KEY }],
  ])('%s', (_name, headers, expected) => {
    expect(presented(headers)).toEqual(expected);
  });
});

describe('bearerToken()', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['Bearer a', 'a'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Bearer é', 'é'],
    ['Bearer ', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Bearer\tabc', undefined],
    ['Bearerabc', undefined],
    [' Bearer abc', undefined],
    ['Bearer abc\tx', undefined],
    ['Bearer abc\u0085x', 'abc\u0085x'],
    // Non-ASCII whitespace ends the token for the full pattern, so the fast path must not take it.
    ['Bearer a\u00a0b', undefined],
    ['Bearer a\u2028b', undefined],
    ['Bearer \u00a0\u00a0', undefined],
    ['Bearer \u00e9\u00e8', '\u00e9\u00e8'],
    ['Basic abc', undefined],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('keysInTarget()', () => {
  const encode = (s: string) => s.replace(/_/g, '%5F');
  it.each([
    ['in the path', `/users/${KEY}/profile`],
    ['in a query parameter', `/x?key=${KEY}`],
    ['percent-encoded once', `/x?key=${encode(KEY)}`],
    ['percent-encoded twice', `/x?key=${encode(KEY).replace(/%/g, '%25')}`],
    ['percent-encoded three times', `/x?key=${encode(KEY).replace(/%/g, '%2525')}`],
    ['beside invalid percent-encoding', `/x?bad=%E0%A4%A&key=${encode(KEY)}`],
  ])('finds a key %s', (_name, target) => {
    expect(keysInTarget(target)).toEqual([KEY]);
  });

  it('finds each key once, every key, and nothing else', () => {
    expect(keysInTarget(`/a/${KEY}?k=${KEY}&o=${encode(OTHER)}`).sort()).toEqual([KEY, OTHER].sort());
    expect(keysInTarget('/users/alice/profile?x=1')).toEqual([]);
    expect(keysInTarget('/x?q=%41%42')).toEqual([]);
    // A lookalike whose checksum fails is not a key.
    expect(keysInTarget(`/x/${KEY.slice(0, -1)}${KEY.endsWith('A') ? 'B' : 'A'}`)).toEqual([]);
  });

  it('stops decoding after four rounds (a key behind four encoders is not looked for)', () => {
    expect(keysInTarget(`/x?key=${encode(KEY).replace(/%/g, '%252525')}`)).toEqual([]);
  });

  it('mayHoldKey is the cheap pre-check: a raw key or any percent sign', () => {
    expect(mayHoldKey('/a/b')).toBe(false);
    expect(mayHoldKey('/a/kw_x')).toBe(true);
    expect(mayHoldKey('/a/%41')).toBe(true);
  });
});

describe('looksLikeJwt()', () => {
  it.each([
    ['eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln', true],
    ['eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0', false],
    ['eyJ.a.b.c', false],
    ['xeyJ.a.b', false],
    [KEY, false],
  ])('%s → %s', (value, expected) => {
    expect(looksLikeJwt(value)).toBe(expected);
  });
});
