import { describe, expect, it } from 'vitest';
import { readCommonParams } from '../src/message-signatures/common-params.js';
import { parseSignatureInput, type SignatureInput } from '../src/message-signatures/index.js';
import { parseParametersAt } from '../src/structured-fields.js';

/**
 * A remembered Signature-Input head reads the usual parameters with a scanner of its own
 * (message-signatures/common-params.ts) and leaves everything else to the general parser. Both
 * must give the same input for any text: here thousands of generated parameter lists, each parsed
 * once in full (a label seen for the first time) and once after its head is remembered.
 */
const FRAGMENTS = [
  ';created=1796278390', ';created=0', ';created=-5', ';created=-0', ';created=01', ';created=1.5', ';created="1"', ';created',
  ';created=123456789012345', ';created=1234567890123456', ';created=-', ';expires=10', ';expires=1796278690', ';expires=-12',
  ';nonce="abc"', ';nonce=""', ';nonce="a\\"b"', ';nonce="a\\\\b"', ';nonce="a b"', ';nonce=abc', ';nonce="\u00e9"', ';nonce="x', ';nonce="\t"',
  ';alg="hmac-sha256"', ';alg=:AAAA:', ';keyid="key_1"', ';keyid=?1', ';tag="app"', ';tag=app', ';other="x"', ';flag', ';Created=1',
  ';c=1', ';createdx=1', ';keyidx="a"', '; created=1', ' ', ',x=2', ';', ';=1', ';nonce="n";nonce="m"',
  ' nonce="a"', ',keyid="k"', 'xcreated=1', ':tag="t"', ';keyid=k"', ';nonce="a~b"', ';nonce="~"', ';alg="x";alg="y"',
  ';keyid="a";keyid="b"', ';tag="a";tag="b"', ';expires=1;expires=2', ';tag="\u007f"', ';zz="a"',
  // Same first letter and length as a parameter the scanner knows: only the whole key may match.
  ';cxeated=1', ';expirez=1', ';nonse="a"', ';alk="x"', ';keyix="k"', ';tab="t"',
];
const ITEMS = '("@method" "@authority" "@path")';

let seed = 9421;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
let labels = 0;

function parsed(text: string): SignatureInput | string {
  try {
    const inputs = parseSignatureInput(text);
    return inputs.length === 1 ? inputs[0]! : `${inputs.length} inputs`;
  } catch (err) {
    return (err as Error).name;
  }
}

function view(input: SignatureInput | string) {
  if (typeof input === 'string') return input;
  const { created, expires, nonce, alg, keyid, tag, componentIds } = input;
  return { created, expires, nonce, alg, keyid, tag, componentIds, params: input.raw.params, canonicalText: input.raw.canonicalText };
}

/**
 * What the scanner is meant to take, told from the general parser's reading: the whole text, in
 * canonical form, only the six RFC 9421 parameters, integers where they are integers and strings
 * without a quote or backslash (those are written escaped) for the others.
 */
const KINDS: Record<string, 'integer' | 'string'> = { created: 'integer', expires: 'integer', nonce: 'string', alg: 'string', keyid: 'string', tag: 'string' };
function scannerShouldTake(params: string): boolean {
  let general;
  try {
    general = parseParametersAt(params, 0);
  } catch {
    return false;
  }
  if (general.end !== params.length || !general.canonical) return false;
  return general.params.every(([k, v]) => (KINDS[k] === 'integer' ? Number.isInteger(v) : KINDS[k] === 'string' && typeof v === 'string' && !/["\\]/.test(v)));
}

function generated(): string {
  let params = '';
  for (let k = Math.floor(random() * 7); k > 0; k--) params += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
  return params;
}

describe('Signature-Input parameters on a remembered head', () => {
  it('read exactly as the general parser reads them, for 4,000 generated parameter lists', () => {
    for (let n = 0; n < 4000; n++) {
      const params = generated();
      const full = `f${labels}=${ITEMS}${params}`;
      const remembered = `r${labels}=${ITEMS}`;
      labels++;
      parseSignatureInput(`${remembered};created=1`); // first sight: full parse, head remembered
      expect(view(parsed(`${remembered}${params}`)), params).toEqual(view(parsed(full)));
    }
  });

  it('the scanner takes exactly the canonical lists of the six parameters, and reads them as the general parser does', () => {
    let taken = 0;
    for (let n = 0; n < 4000; n++) {
      const params = generated();
      const common = readCommonParams(params, 0);
      expect(common !== undefined, params).toBe(scannerShouldTake(params));
      if (common === undefined) continue;
      taken++;
      const general = parseParametersAt(params, 0);
      expect(general.params, params).toEqual(common.list);
      const value = (k: string) => general.params.find(([key]) => key === k)?.[1];
      expect(common, params).toMatchObject({ created: value('created'), expires: value('expires'), nonce: value('nonce'), alg: value('alg'), keyid: value('keyid'), tag: value('tag') });
    }
    expect(taken).toBeGreaterThan(300);
  });

  it('reads the parameters a signer sends', () => {
    const params = ';created=1796278390;expires=1796278690;nonce="imU4U-Um3k4vm1vPz07i9g";alg="hmac-sha256";keyid="key_uuiJ1huTOw7EezFLBNonHf";tag="app"';
    expect(readCommonParams(params, 0)).toEqual({
      list: [['created', 1796278390], ['expires', 1796278690], ['nonce', 'imU4U-Um3k4vm1vPz07i9g'], ['alg', 'hmac-sha256'], ['keyid', 'key_uuiJ1huTOw7EezFLBNonHf'], ['tag', 'app']],
      created: 1796278390, expires: 1796278690, nonce: 'imU4U-Um3k4vm1vPz07i9g', alg: 'hmac-sha256', keyid: 'key_uuiJ1huTOw7EezFLBNonHf', tag: 'app',
    });
    const head = `u${labels++}=${ITEMS}`;
    parseSignatureInput(`${head};created=1`);
    expect(parseSignatureInput(`${head}${params}`)[0]!.raw.canonicalText).toBe(`${ITEMS}${params}`);
  });
});
