import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, findKeysInText, generateKey, parseKey, type Environment, type KeyKind } from '../src/index.js';

const KINDS: KeyKind[] = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing', 'session', 'refresh'];
const kindArb = fc.constantFrom(...KINDS);
const envArb = fc.constantFrom<Environment>('live', 'test');
/** Deterministic randomness from fast-check so failures shrink and replay. */
const keyArb = fc.tuple(kindArb, envArb, fc.uint8Array({ minLength: 256, maxLength: 256 })).map(([kind, env, bytes]) => {
  let offset = 0;
  return generateKey(kind, env, (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = bytes[(offset + i) % bytes.length]! ^ ((offset + i) >> 8);
    offset += n;
    return out;
  });
});

describe('key format', () => {
  it('shows kind and environment in the prefix and carries >= 160 bits of randomness', () => {
    const key = generateKey('publishable', 'live');
    expect(key).toMatch(/^kw_pk_live_[0-9A-Za-z]{38}$/);
    expect(generateKey('secret', 'test')).toMatch(/^kw_sk_test_/);
    expect(generateKey('root', null)).toMatch(/^kw_root_[0-9A-Za-z]{38}$/);
    expect(32 * Math.log2(62)).toBeGreaterThanOrEqual(160);
    const parsed = parseKey(key);
    expect(parsed).toMatchObject({ kind: 'publishable', environment: 'live', prefix: 'kw_pk_live_' });
    expect(typeof parsed !== 'string' && parsed.start).toBe(`${key.slice(0, 15)}…`);
  });

  it('never generates the same key twice in 10^4 draws', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => generateKey('secret', 'live')));
    expect(seen.size).toBe(10_000);
  });

  it('every generated key parses (10^4 cases)', () => {
    fc.assert(fc.property(keyArb, (key) => typeof parseKey(key) !== 'string'), { numRuns: 10_000 });
  });

  it('no single-character substitution of a key is ever accepted (10^4 cases)', () => {
    fc.assert(
      fc.property(keyArb, fc.nat(), fc.constantFrom(...BASE62_ALPHABET), (key, pos, ch) => {
        const bodyStart = key.lastIndexOf('_') + 1;
        const i = bodyStart + (pos % (key.length - bodyStart));
        fc.pre(key[i] !== ch);
        const mutated = key.slice(0, i) + ch + key.slice(i + 1);
        return typeof parseKey(mutated) === 'string';
      }),
      { numRuns: 10_000 },
    );
  });

  it('no adjacent transposition, deletion, insertion or prefix change is accepted (10^4 cases)', () => {
    fc.assert(
      fc.property(keyArb, fc.nat(), fc.constantFrom('swap', 'delete', 'insert', 'prefix'), fc.constantFrom(...BASE62_ALPHABET), (key, pos, op, ch) => {
        const i = pos % (key.length - 1);
        let mutated: string;
        if (op === 'swap') {
          fc.pre(key[i] !== key[i + 1]);
          mutated = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
        } else if (op === 'delete') mutated = key.slice(0, i) + key.slice(i + 1);
        else if (op === 'insert') mutated = key.slice(0, i) + ch + key.slice(i);
        else mutated = key.startsWith('kw_sk_live_') ? key.replace('kw_sk_live_', 'kw_pk_live_') : key.replace(/_(live|test)_/, (_, e) => (e === 'live' ? '_test_' : '_live_'));
        fc.pre(mutated !== key);
        return typeof parseKey(mutated) === 'string';
      }),
      { numRuns: 10_000 },
    );
  });

  it('arbitrary strings never throw and are almost never accepted (10^4 cases)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseKey(s);
        return r === 'FORMAT' || r === 'CHECKSUM';
      }),
      { numRuns: 10_000 },
    );
  });

  it('rejects overlong, non-ASCII and wrongly namespaced input as FORMAT, bad checksums as CHECKSUM', () => {
    const key = generateKey('secret', 'live');
    expect(parseKey(`${key}${'a'.repeat(300)}`)).toBe('FORMAT');
    expect(parseKey(key.replace('kw_', 'kx_'))).toBe('FORMAT');
    expect(parseKey(`${key.slice(0, -1)}é`)).toBe('FORMAT');
    const last = key[key.length - 1] === 'a' ? 'b' : 'a';
    expect(parseKey(key.slice(0, -1) + last)).toBe('CHECKSUM');
  });

  it('finds checksummed keys inside text and ignores look-alikes', () => {
    const key = generateKey('publishable', 'test');
    const fake = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
    expect(findKeysInText(`GET /v1/x?api_key=${key}&other=${fake} HTTP/1.1`)).toEqual([key]);
  });
});
