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

  // The remembered head's parsed items are shared, not parsed again: the same objects come back.
  // That sharing is what the cache is for, and what these tests watch to see it used or bypassed.
  it('a repeated head is parsed once: later inputs share its component list', () => {
    const head = `${label()}=("@method" "@path")`;
    const first = parseSignatureInput(`${head};created=1`)[0]!;
    const second = parseSignatureInput(`${head};created=2;nonce="n"`)[0]!;
    const third = parseSignatureInput(`${head};created=3;flag`)[0]!; // the general parameter path
    expect(second.componentIds).toBe(first.componentIds);
    expect(second.components).toBe(first.components);
    expect(third.componentIds).toBe(first.componentIds);
    expect(third).toMatchObject({ created: 3, nonce: undefined });
  });

  it('a head that is not canonical, or is followed by another member, is not remembered', () => {
    const spaced = `${label()}=( "@method")`;
    expect(parseSignatureInput(`${spaced};created=1`)[0]!.componentIds).not.toBe(parseSignatureInput(`${spaced};created=2`)[0]!.componentIds);
    const l = label();
    const fromPair = parseSignatureInput(`${l}=("@method");created=1, x${l}=("@path")`)[0]!;
    expect(parseSignatureInput(`${l}=("@method");created=2`)[0]!.componentIds).not.toBe(fromPair.componentIds);
  });

  it('two heads in turn both stay remembered; the store holds 256 heads, and the next new one starts it over', () => {
    const a = `${label()}=("@method")`;
    const b = `${label()}=("@path")`;
    const idsOf = (head: string) => parseSignatureInput(`${head};created=1`)[0]!.componentIds;
    const fresh = () => idsOf(`${label()}=("@authority")`);
    let aIds = idsOf(a);
    const bIds = idsOf(b);
    expect(idsOf(a)).toBe(aIds);
    expect(idsOf(b)).toBe(bIds);
    // Other tests in this file left heads behind: add new ones until the store starts over.
    let n = 0;
    for (; n < 300; n++) {
      fresh();
      if (idsOf(a) !== aIds) break; // evicted; parsing `a` again remembered it beside the newest head
    }
    expect(n).toBeLessThan(300);
    aIds = idsOf(a);
    for (let k = 0; k < 254; k++) fresh(); // 256 heads now
    expect(idsOf(a)).toBe(aIds);
    fresh(); // the 257th: the store starts over with it alone
    expect(idsOf(a)).not.toBe(aIds);
  });
});
