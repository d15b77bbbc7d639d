import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteSequence,
  parseDictionary,
  parseSignatureInput,
  serializeDictionary,
  serializeInnerList,
  SignatureHeaderError,
  StructuredFieldError,
  Token,
  type BareItem,
  type Dictionary,
  type InnerList,
} from '../src/index.js';

const key = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,8}$/);
const bare: fc.Arbitrary<BareItem> = fc.oneof(
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }),
  fc.stringMatching(/^[\x20-\x7e]{0,12}$/),
  fc.stringMatching(/^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]{0,8}$/).map((t) => new Token(t)),
  fc.uint8Array({ maxLength: 16 }).map((b) => new ByteSequence(b)),
  fc.boolean(),
);
const params = fc.uniqueArray(fc.tuple(key, bare), { maxLength: 3, selector: ([k]) => k });
const item = fc.record({ value: bare, params });
const member = fc.oneof(item, fc.record({ items: fc.array(item, { maxLength: 4 }), params }));
const dictionary: fc.Arbitrary<Dictionary> = fc.uniqueArray(fc.tuple(key, member), { maxLength: 5, selector: ([k]) => k });

describe('structured fields (RFC 8941)', () => {
  it('serialise → parse → serialise is stable for generated dictionaries (10^4 cases)', () => {
    fc.assert(
      fc.property(dictionary, (d) => {
        const text = serializeDictionary(d);
        expect(serializeDictionary(parseDictionary(text))).toBe(text);
      }),
      { numRuns: 10_000 },
    );
  });

  it('arbitrary input either parses or throws StructuredFieldError — nothing else (10^4 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9=(); ":?*,.\-_@A-Z+/]{0,60}$/)), (s) => {
        try {
          parseDictionary(s);
        } catch (err) {
          expect(err).toBeInstanceOf(StructuredFieldError);
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it('Signature-Input parsing throws only its typed errors (10^4 cases)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9=(); "@:?*,.\-_]{0,80}$/), (s) => {
        try {
          parseSignatureInput(s);
        } catch (err) {
          expect(err instanceof StructuredFieldError || err instanceof SignatureHeaderError).toBe(true);
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it('canonicalText is set only when it equals the canonical serialisation, for canonical and perturbed inner lists (10^4 cases)', () => {
    const innerList = fc.record({ items: fc.array(item, { maxLength: 4 }), params });
    // Perturbations that still parse: spaces inside the list or after `;`, leading zeros, `-0`, `=?1`, a repeated parameter, decimals.
    const perturb = (text: string, how: number): string => {
      switch (how) {
        case 0: return text;
        case 1: return text.replace('(', '( ');
        case 2: return text.replace(')', ' )');
        case 3: return text.replace(' ', '  ');
        case 4: return text.replace(';', '; ');
        case 5: return text.replace(/=(\d)/, '=0$1');
        case 6: return `${text};zz=-0`;
        case 7: return `${text};zz=?1`;
        case 8: return `${text};zz=1;zz=2`;
        default: return `${text};zz=1.50`;
      }
    };
    let sawCanonical = 0;
    let sawPerturbed = 0;
    fc.assert(
      fc.property(innerList, fc.integer({ min: 0, max: 9 }), (list, how) => {
        const text = perturb(serializeInnerList(list), how);
        let parsed: InnerList;
        try {
          parsed = parseDictionary(`sig=${text}`)[0]![1] as InnerList;
        } catch (err) {
          // A leading zero can push a 15-digit integer past the limit: not a case for this property.
          expect(err).toBeInstanceOf(StructuredFieldError);
          return;
        }
        const { canonicalText, ...rest } = parsed;
        const canonical = serializeInnerList(rest);
        if (canonicalText !== undefined) {
          expect(canonicalText).toBe(canonical);
          expect(canonicalText).toBe(text);
          sawCanonical++;
        } else {
          expect(text).not.toBe(canonical);
          sawPerturbed++;
        }
      }),
      { numRuns: 10_000 },
    );
    expect(sawCanonical).toBeGreaterThan(500);
    expect(sawPerturbed).toBeGreaterThan(500);
  });

  it('refuses duplicated dictionary keys (duplicate signature labels)', () => {
    expect(() => parseDictionary('sig=(), sig=("@method")')).toThrow(StructuredFieldError);
    expect(() => parseDictionary('a=1, b=2, a=3')).toThrow(StructuredFieldError);
  });

  it('a repeated parameter overwrites the earlier value in its place (RFC 8941 §4.2.3.2)', () => {
    const member = parseDictionary('sig=("@method");created=1;nonce="a";created=2')[0]![1];
    expect(member.params).toEqual([['created', 2], ['nonce', 'a']]);
    expect(serializeDictionary(parseDictionary('a;x=1;y=2;x=3'))).toBe('a;x=3;y=2');
  });

  it('refuses non-canonical and malformed byte sequences', () => {
    for (const bad of ['a=:YQ=:', 'a=:Y===:', 'a=:Y=Q=:', 'a=:YR==:', 'a=:Y!==:']) expect(() => parseDictionary(bad), bad).toThrow(StructuredFieldError);
    expect(parseDictionary('a=:YQ==:')[0]![1]).toMatchObject({ value: new ByteSequence(new Uint8Array([0x61]), 'YQ==') });
  });
});
