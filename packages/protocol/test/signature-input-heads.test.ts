import { describe, expect, it } from 'vitest';
import { parseSignatureInput, SignatureHeaderError } from '../src/message-signatures/index.js';
import { StructuredFieldError } from '../src/structured-fields.js';

/**
 * parseSignatureInput parses a repeated head (`label=(…)`) once and then only the parameters
 * (message-signatures/base.ts). Each case uses a label no other test uses, so its first parse is
 * the full one and its second takes the remembered head: both must give the same answer.
 */
let n = 0;
const label = () => `h${n++}`;

describe('Signature-Input heads parsed once', () => {
  it('a repeated head with new parameters parses exactly as a full parse does', () => {
    const l = label();
    const head = `${l}=("@method" "@authority" "@path" "content-type" "x";key="a")`;
    const first = parseSignatureInput(`${head};created=1;nonce="n1";keyid="k"`);
    const second = parseSignatureInput(`${head};created=2;expires=9;nonce="n2";keyid="k";alg="hmac-sha256"`);
    expect(second).toHaveLength(1);
    expect(second[0]!.componentIds).toEqual(first[0]!.componentIds);
    expect(second[0]).toMatchObject({ label: l, created: 2, expires: 9, nonce: 'n2', keyid: 'k', alg: 'hmac-sha256' });
    expect(second[0]!.raw.canonicalText).toBe(`("@method" "@authority" "@path" "content-type" "x";key="a");created=2;expires=9;nonce="n2";keyid="k";alg="hmac-sha256"`);
  });

  it('the parameters are checked on the fast path too: a string created is refused', () => {
    const head = `${label()}=("@method")`;
    parseSignatureInput(`${head};created=1`);
    expect(() => parseSignatureInput(`${head};created="1"`)).toThrow(SignatureHeaderError);
    expect(() => parseSignatureInput(`${head};created=1;=`)).toThrow(StructuredFieldError);
  });

  it('non-canonical parameters leave no canonical text, as in a full parse', () => {
    const head = `${label()}=("@method")`;
    parseSignatureInput(`${head};created=1`);
    const r = parseSignatureInput(`${head};created=01;flag=?1`)[0]!;
    expect(r.created).toBe(1);
    expect(r.raw.canonicalText).toBeUndefined();
  });

  it('a second member after a remembered head goes to the full parser (a duplicate label is still refused)', () => {
    const l = label();
    const head = `${l}=("@method")`;
    parseSignatureInput(`${head};created=1`);
    expect(parseSignatureInput(`${head};created=1, other=("@path")`).map((i) => i.label)).toEqual([l, 'other']);
    expect(() => parseSignatureInput(`${head};created=1, ${l}=("@path")`)).toThrow(StructuredFieldError);
  });

  it('a head whose text is not canonical is never remembered, and still parses', () => {
    const l = label();
    const spaced = `${l}=( "@method"  "@path")`;
    expect(parseSignatureInput(`${spaced};created=1`)[0]!.raw.canonicalText).toBeUndefined();
    expect(parseSignatureInput(`${spaced};created=2`)[0]).toMatchObject({ created: 2, componentIds: ['"@method"', '"@path"'] });
  });
});
