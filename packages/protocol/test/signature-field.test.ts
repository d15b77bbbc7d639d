import { describe, expect, it } from 'vitest';
import { isCanonicalBase64 } from '../src/base64.js';
import { parseSignatureField, parseSignatureFieldText, SignatureHeaderError } from '../src/message-signatures/index.js';
import { ByteSequence, isInnerList, parseDictionary, StructuredFieldError } from '../src/structured-fields.js';

/**
 * parseSignatureField and parseSignatureFieldText (the verifier's: the base64 as received, for
 * an HMAC compared as text) against the dictionary parser: the same labels and bytes, or a refusal,
 * and the text is always the canonical encoding of those bytes.
 */
function viaDictionary(text: string): Map<string, Uint8Array> | 'refused' {
  try {
    const out = new Map<string, Uint8Array>();
    for (const [label, member] of parseDictionary(text)) {
      if (isInnerList(member) || !(member.value instanceof ByteSequence)) return 'refused';
      out.set(label, member.value.bytes);
    }
    return out;
  } catch {
    return 'refused';
  }
}

/** The verifier turns these two into SIGNATURE_INVALID; anything else thrown would be a 500. */
const refusal = (err: unknown) => {
  if (err instanceof StructuredFieldError || err instanceof SignatureHeaderError) return 'refused' as const;
  throw err;
};

function answer(text: string): Map<string, Uint8Array> | 'refused' {
  try {
    return parseSignatureField(text);
  } catch (err) {
    return refusal(err);
  }
}

const sig = 'z5ljvRo9u2gjbhzW7zLFhu+ZLQe4c8/7clImIi3490Y=';
const texts = [
  `sig1=:${sig}:`,
  `kw=:${sig}:`,
  `a*b.c-d_9=:${sig}:`,
  `*x=:${sig}:`,
  'sig=::',
  'sig=:AA==:',
  'sig=:AAA=:',
  'sig=:AAAA:',
  'sig=:AB==:', // leftover bits set: not canonical
  'sig=:AAB=:',
  'sig=:A===:',
  'sig=:AA=A:',
  'sig=:=AAA:',
  'sig=:AAA:', // length not a multiple of 4
  'sig=:AA-_:', // base64url alphabet
  'sig=:AA AA:',
  `Sig=:${sig}:`, // keys are lowercase
  `9sig=:${sig}:`,
  `sig!=:${sig}:`,
  ` sig=:${sig}:`,
  `sig=:${sig}: `,
  `sig=:${sig}:;p=1`,
  `sig=:${sig}:, other=:AAAA:`,
  `sig=:${sig}:,other=:AAAA:`,
  `sig=:${sig}:, sig=:AAAA:`,
  `sig=:${sig}`,
  `sig=${sig}:`,
  `=:${sig}:`,
  `sig=:AA::AA:`,
  `sig=:${sig}::`,
  'a;b=:AAAA:',
  'a,b=:AAAA:',
  'aB=:AAAA:',
  'a =:AAAA:',
  '\tsig=:AAAA:',
  'sig=:',
  'sig==:AAAA:',
  'sig=:AAAA:x:',
  'sig=:AAAA',
  'sig=xAAAA:',
  'sig=1',
  'sig=("a")',
  'sig',
  '',
];

describe('parseSignatureField', () => {
  // One test over all texts, not one per text: a test name holding these texts (tabs, quotes,
  // colons) is not one the mutation runner can select again, and its mutants would pass unseen.
  it('answers every text exactly as the dictionary parser does', () => {
    for (const text of texts) {
      const expected = viaDictionary(text);
      const got = answer(text);
      if (expected === 'refused') expect(got, JSON.stringify(text)).toBe('refused');
      else {
        expect(got, JSON.stringify(text)).not.toBe('refused');
        expect([...(got as Map<string, Uint8Array>)].map(([k, v]) => [k, [...v]]), JSON.stringify(text)).toEqual([...expected].map(([k, v]) => [k, [...v]]));
      }
    }
  });

  it('reads the signature bytes of the usual form', () => {
    const got = parseSignatureField(`kw=:${sig}:`);
    expect([...got.keys()]).toEqual(['kw']);
    expect(Buffer.from(got.get('kw')!).toString('base64')).toBe(sig);
  });

  it('parseSignatureFieldText gives the canonical base64 of the same bytes for every text or refuses too', () => {
    for (const text of texts) {
      const bytes = answer(text);
      let got: Map<string, string> | 'refused';
      try {
        got = parseSignatureFieldText(text);
      } catch (err) {
        got = refusal(err);
      }
      if (bytes === 'refused') expect(got, JSON.stringify(text)).toBe('refused');
      else expect([...(got as Map<string, string>)], JSON.stringify(text)).toEqual([...bytes].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    }
  });
});

describe('isCanonicalBase64', () => {
  // What the structured-field parser accepts as a byte sequence's content, by its own checks.
  const accepted = (text: string) => {
    try {
      const member = parseDictionary(`b=:${text}:`)[0]![1];
      return !isInnerList(member) && member.value instanceof ByteSequence;
    } catch {
      return false;
    }
  };

  it('accepts exactly what the parser accepts, over every string of up to four characters from a small alphabet', () => {
    const alphabet = ['A', 'B', 'Q', 'g', '/', '+', '=', '-', ' ', '\u00e9'];
    const texts = [''];
    for (let length = 1; length <= 4; length++) for (const prefix of texts.filter((t) => t.length === length - 1)) for (const c of alphabet) texts.push(prefix + c);
    let canonical = 0;
    for (const text of texts) {
      expect(isCanonicalBase64(text), JSON.stringify(text)).toBe(accepted(text));
      if (accepted(text)) canonical++;
    }
    expect(canonical).toBeGreaterThan(100);
  });

  it('checks the leftover bits of a padded end, and longer texts', () => {
    for (const [text, ok] of [['AQ==', true], ['AR==', false], ['AAE=', true], ['AAF=', false], [sig, true], [`A${sig.slice(1)}`, true], [`${sig.slice(0, -2)}Z=`, false], [`${sig}AAAA`, false]] as const) {
      expect(isCanonicalBase64(text), text).toBe(ok);
      expect(accepted(text), text).toBe(ok);
    }
  });
});
