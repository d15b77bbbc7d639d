/**
 * The httpwg structured-field-tests corpus (test-data/structured-field-tests, see SOURCES.md there),
 * every case, table-driven: parse cases must yield the expected value or fail, and values with a
 * `canonical` form (and the whole serialisation-tests folder) must serialise to it or refuse.
 *
 * Keyward's parser is deliberately stricter than RFC 9651 in a few places. Those cases are not
 * skipped silently: each is listed in REFUSALS with its reason (and in docs/structured-fields.md), and
 * the test asserts that Keyward does refuse them — a refusal that stops refusing fails here too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ByteSequence,
  Decimal,
  isInnerList,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeItem,
  serializeList,
  StructuredFieldError,
  Token,
  type BareItem,
  type Dictionary,
  type Item,
  type Member,
  type Parameters,
} from '../src/index.js';
import { TEST_DATA_DIR } from '../../../test/vectors.js';

const CORPUS_DIR = path.join(TEST_DATA_DIR, 'structured-field-tests');

type JsonBare = number | string | boolean | { __type: string; value: string | number };

/**
 * JSON has one number type, but Structured Fields has two: `1.0` is a Decimal and `1` an Integer.
 * Before parsing the corpus, every number literal written with a fraction (outside strings) becomes
 * `{"__type":"decimal","value":…}`, so the tests can tell them apart.
 */
function parseCorpusJson(text: string): Case[] {
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+\.\d+(?:[eE][+-]?\d+)?/g, (m) => (m.startsWith('"') ? m : `{"__type":"decimal","value":${m}}`));
  return JSON.parse(marked) as Case[];
}
type JsonParams = [string, JsonBare][];
type JsonItem = [JsonBare, JsonParams];
type JsonInner = [JsonItem[], JsonParams];
type JsonMember = JsonItem | JsonInner;
interface Case {
  name: string;
  raw?: string[];
  header_type: 'item' | 'list' | 'dictionary';
  expected?: unknown;
  must_fail?: boolean;
  can_fail?: boolean;
  canonical?: string[];
}

/**
 * Why Keyward refuses what the corpus accepts. Keys are `file: case name`; a predicate covers a
 * whole family. Every refusal is asserted to be a refusal (parse throws StructuredFieldError, or
 * serialise throws), never skipped.
 */
const REFUSALS: { match: (file: string, c: Case) => boolean; reason: string }[] = [
  {
    // RFC 9651 §3.3.7 Dates (`@1659578233`): RFC 9421 and Keyward's fields are RFC 8941 and never carry one.
    match: (file) => file === 'date.json',
    reason: 'Dates (RFC 9651) are not supported: `@` is refused',
  },
  {
    // RFC 9651 §3.3.8 Display Strings (`%"…"`): same; a field using one is refused, so an `;sf` component fails closed.
    match: (file) => file === 'display-string.json',
    reason: 'Display Strings (RFC 9651) are not supported: `%` is refused',
  },
  {
    // RFC 9651 §4.2.2 lets the last duplicate win; two `Signature-Input` members with one label would let a
    // proxy and a verifier disagree on which signature is checked, so a repeated dictionary key is an error.
    match: (file, c) => c.header_type === 'dictionary' && (c.name === 'duplicate key dictionary' || (file === 'key-generated.json' && c.name === '0x2c in dictionary key')),
    reason: 'a repeated dictionary key is an error, not "last one wins"',
  },
];

function refusalFor(file: string, c: Case): string | undefined {
  return REFUSALS.find((r) => r.match(file, c))?.reason;
}

// ---- conversion between the corpus's JSON form and Keyward's values ------------------------------

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32Decode(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error(`bad base32 in corpus: ${s}`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const noNegZero = (n: number) => (n === 0 ? 0 : n);

/** Keyward value → a comparable JSON form (binary as hex, so both sides are decoded bytes). */
function bareToJson(v: BareItem): unknown {
  if (v instanceof Token) return { __type: 'token', value: v.value };
  if (v instanceof ByteSequence) return { __type: 'binary', hex: hex(v.bytes) };
  if (v instanceof Decimal) return { __type: 'decimal', value: noNegZero(v.value) };
  if (typeof v === 'number') return noNegZero(v);
  return v;
}
const paramsToJson = (p: Parameters) => p.map(([k, v]) => [k, bareToJson(v)]);
const memberToJson = (m: Member): unknown =>
  isInnerList(m) ? [m.items.map((i) => [bareToJson(i.value), paramsToJson(i.params)]), paramsToJson(m.params)] : [bareToJson(m.value), paramsToJson(m.params)];

/** The corpus's expected JSON → the same comparable form. */
function expBare(v: JsonBare): unknown {
  if (typeof v === 'object') {
    if (v.__type === 'decimal') return { __type: 'decimal', value: noNegZero(Number(v.value)) };
    if (v.__type === 'binary') return { __type: 'binary', hex: hex(base32Decode(String(v.value))) };
    return { __type: v.__type, value: v.value };
  }
  return typeof v === 'number' ? noNegZero(v) : v;
}
const expParams = (p: JsonParams) => p.map(([k, v]) => [k, expBare(v)]);
const isJsonInner = (m: JsonMember): m is JsonInner => Array.isArray(m[0]);
const expMember = (m: JsonMember): unknown =>
  isJsonInner(m) ? [m[0].map((i) => [expBare(i[0]), expParams(i[1])]), expParams(m[1])] : [expBare(m[0]), expParams(m[1])];

function expectedJson(c: Case): unknown {
  if (c.header_type === 'item') return expMember(c.expected as JsonItem);
  if (c.header_type === 'list') return (c.expected as JsonMember[]).map(expMember);
  return (c.expected as [string, JsonMember][]).map(([k, m]) => [k, expMember(m)]);
}

/** The corpus's expected JSON → Keyward values, for serialisation. */
function toBare(v: JsonBare): BareItem {
  if (typeof v !== 'object') return v;
  if (v.__type === 'decimal') return new Decimal(Number(v.value));
  if (v.__type === 'token') return new Token(String(v.value));
  if (v.__type === 'binary') return new ByteSequence(base32Decode(String(v.value)));
  throw new StructuredFieldError(`Keyward has no ${v.__type} type`);
}
const toParams = (p: JsonParams): Parameters => p.map(([k, v]) => [k, toBare(v)] as const);
const toItem = (i: JsonItem): Item => ({ value: toBare(i[0]), params: toParams(i[1]) });
const toMember = (m: JsonMember): Member => (isJsonInner(m) ? { items: m[0].map(toItem), params: toParams(m[1]) } : toItem(m));

function parse(c: Case): unknown {
  // RFC 9651 §4.2: multiple field lines are combined with a comma before parsing.
  const text = c.raw!.join(', ');
  if (c.header_type === 'item') return memberToJson(parseItem(text));
  if (c.header_type === 'list') return parseList(text).map(memberToJson);
  return parseDictionary(text).map(([k, m]) => [k, memberToJson(m)]);
}

function serialize(c: Case): string {
  if (c.header_type === 'item') return serializeItem(toItem(c.expected as JsonItem));
  if (c.header_type === 'list') return serializeList((c.expected as JsonMember[]).map(toMember));
  const d: Dictionary = (c.expected as [string, JsonMember][]).map(([k, m]) => [k, toMember(m)] as const);
  return serializeDictionary(d);
}

// ---- the table ---------------------------------------------------------------------------------

function load(dir: string): [string, Case[]][] {
  return readdirSync(path.join(CORPUS_DIR, dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [path.posix.join(dir, f), parseCorpusJson(readFileSync(path.join(CORPUS_DIR, dir, f), 'utf8'))]);
}

const parseFiles = load('.').map(([f, cs]) => [f.replace(/^\.\//, ''), cs] as [string, Case[]]);
const serialisationFiles = load('serialisation-tests');

describe('httpwg structured-field-tests: parsing', () => {
  for (const [file, cases] of parseFiles) {
    describe(file, () => {
      for (const c of cases) {
        const refusal = refusalFor(file, c);
        if (refusal !== undefined) {
          it(`${c.name} — refused on purpose: ${refusal}`, () => {
            expect(() => parse(c)).toThrow(StructuredFieldError);
          });
        } else if (c.must_fail) {
          it(`${c.name} — must fail`, () => {
            expect(() => parse(c)).toThrow(StructuredFieldError);
          });
        } else {
          it(c.name, () => {
            // can_fail (a SHOULD): failing is acceptable, but a value, if produced, must be the right one.
            if (c.can_fail) {
              let got: unknown;
              try {
                got = parse(c);
              } catch (e) {
                expect(e).toBeInstanceOf(StructuredFieldError);
                return;
              }
              expect(got).toEqual(expectedJson(c));
              return;
            }
            expect(parse(c)).toEqual(expectedJson(c));
          });
          if (c.canonical !== undefined) {
            it(`${c.name} — serialises to its canonical form`, () => {
              expect(serialize(c)).toBe(c.canonical!.join(', '));
            });
          }
        }
      }
    });
  }
});

describe('httpwg structured-field-tests: serialisation', () => {
  for (const [file, cases] of serialisationFiles) {
    describe(file, () => {
      for (const c of cases) {
        const refusal = refusalFor(file, c);
        if (refusal !== undefined || c.must_fail) {
          it(`${c.name} — ${refusal !== undefined ? `refused on purpose: ${refusal}` : 'must fail'}`, () => {
            expect(() => serialize(c)).toThrow(StructuredFieldError);
          });
        } else {
          it(c.name, () => {
            expect(serialize(c)).toBe(c.canonical!.join(', '));
          });
        }
      }
    });
  }
});

it('the corpus is all there (a missing file would silently shrink the table)', () => {
  expect(parseFiles.map(([f]) => f)).toContain('large-generated.json');
  expect(parseFiles.reduce((n, [, cs]) => n + cs.length, 0)).toBeGreaterThan(1500);
  expect(serialisationFiles.length).toBe(4);
});
