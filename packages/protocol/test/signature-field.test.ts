import { describe, expect, it } from 'vitest';
import { parseSignatureField, parseSignatureFieldText } from '../src/message-signatures/index.js';
import { ByteSequence, isInnerList, parseDictionary } from '../src/structured-fields.js';

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

function answer(text: string): Map<string, Uint8Array> | 'refused' {
  try {
    return parseSignatureField(text);
  } catch {
    return 'refused';
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
  'sig=1',
  'sig=("a")',
  'sig',
  '',
];

describe('parseSignatureField', () => {
  it.each(texts)('answers %j exactly as the dictionary parser does', (text) => {
    const expected = viaDictionary(text);
    const got = answer(text);
    if (expected === 'refused') expect(got).toBe('refused');
    else {
      expect(got).not.toBe('refused');
      expect([...(got as Map<string, Uint8Array>)].map(([k, v]) => [k, [...v]])).toEqual([...expected].map(([k, v]) => [k, [...v]]));
    }
  });

  it('reads the signature bytes of the usual form', () => {
    const got = parseSignatureField(`kw=:${sig}:`);
    expect([...got.keys()]).toEqual(['kw']);
    expect(Buffer.from(got.get('kw')!).toString('base64')).toBe(sig);
  });

  it.each(texts)('parseSignatureFieldText(%j) gives the canonical text of the same bytes, or refuses too', (text) => {
    const bytes = answer(text);
    let got: Map<string, string> | 'refused';
    try {
      got = parseSignatureFieldText(text);
    } catch {
      got = 'refused';
    }
    if (bytes === 'refused') expect(got).toBe('refused');
    else expect([...(got as Map<string, string>)]).toEqual([...bytes].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  });
});

