/**
 * Structured Field Values for HTTP (RFC 8941 / RFC 9651), the subset RFC 9421 needs: dictionaries,
 * lists, inner lists, parameters, and the item types integer, decimal, string, token, byte
 * sequence and boolean. Strict: anything off-spec is a {@link StructuredFieldError}, and — unlike
 * RFC 8941's "last one wins" — a duplicated dictionary key is an error, because two
 * `Signature-Input` members with one label let a proxy and a verifier disagree on which is signed.
 */
import { base64Decode, base64Encode } from './base64.js';
import { StructuredFieldError } from './structured-field-error.js';
import { ByteSequence, Decimal, Token, type BareItem, type Dictionary, type Item, type Member, type Parameters } from './structured-field-types.js';

export { StructuredFieldError };
// Byte sequences are base64 (RFC 8941 §3.3.5); re-exported so existing imports keep working.
export { base64Decode, base64Encode };
export * from './structured-field-types.js';
export * from './structured-field-serialize.js';

const isLcAlpha = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** key chars after the first: lcalpha / DIGIT / "_" / "-" / "." / "*" */
const isKeyChar = (c: number) => isLcAlpha(c) || isDigit(c) || c === 95 || c === 45 || c === 46 || c === 42;
/** tchar / ":" / "/" (RFC 8941 sf-token) */
const TOKEN_CHARS = new Uint8Array(128);
for (const ch of "!#$%&'*+-.^_`|~:/") TOKEN_CHARS[ch.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN_CHARS[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN_CHARS[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN_CHARS[c] = 1;

/** `=` only at the end, at most two. */
function paddingIsValid(b64: string): boolean {
  const first = b64.indexOf('=');
  if (first < 0) return true;
  const pad = b64.length - first;
  return pad <= 2 && (pad === 1 || b64.charCodeAt(b64.length - 1) === 61);
}

const NO_PARAMS: Parameters = [];

/** Whether `text` is a whole key (RFC 8941 §3.1.2): lcalpha or `*`, then lcalpha, digits, `_-.*`. */
export function isKey(text: string): boolean {
  const c = text.charCodeAt(0);
  if (!(isLcAlpha(c) || c === 42)) return false;
  for (let i = 1; i < text.length; i++) if (!isKeyChar(text.charCodeAt(i))) return false;
  return true;
}

class Parser {
  i = 0;
  /**
   * Cleared when the text just parsed differs from its canonical serialisation (extra spaces,
   * `;k=?1`, a repeated parameter, `01`, `-0`, any decimal). Conservative: "true" is a promise
   * that re-serialising gives the same characters; "false" only means "re-serialise to be sure".
   */
  canonical = true;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new StructuredFieldError(`${what} at offset ${this.i}`);
  }
  /** The char code at the cursor, or -1 at the end. */
  code(): number {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }
  /** Skips spaces; returns how many. */
  sp(): number {
    const start = this.i;
    while (this.s.charCodeAt(this.i) === 32) this.i++;
    return this.i - start;
  }
  ows(): void {
    for (let c = this.s.charCodeAt(this.i); c === 32 || c === 9; c = this.s.charCodeAt(this.i)) this.i++;
  }
  done(): boolean {
    return this.i >= this.s.length;
  }

  // The scanners below keep the cursor in a local and store it once: they run for every parameter
  // of every signed request.
  key(): string {
    const s = this.s;
    const start = this.i;
    const c = s.charCodeAt(start);
    if (!(isLcAlpha(c) || c === 42)) this.fail('expected a key');
    let i = start + 1;
    while (i < s.length && isKeyChar(s.charCodeAt(i))) i++;
    this.i = i;
    return s.slice(start, i);
  }

  bareItem(): BareItem {
    const c = this.s.charCodeAt(this.i);
    if (c === 45 || isDigit(c)) return this.number();
    if (c === 34) return this.string();
    if (c === 58) return this.bytes();
    if (c === 63) return this.boolean();
    if (isAlpha(c) || c === 42) return this.token();
    return this.fail('expected an item');
  }

  number(): number | Decimal {
    const s = this.s;
    const start = this.i;
    const negative = s.charCodeAt(start) === 45;
    const firstDigit = negative ? start + 1 : start;
    let i = firstDigit;
    // Accumulated as it is scanned: at most 15 digits, so every step is exact in a double.
    let value = 0;
    for (let c = s.charCodeAt(i); isDigit(c); c = s.charCodeAt(++i)) value = value * 10 + (c - 48);
    const intDigits = i - firstDigit;
    this.i = i;
    if (intDigits === 0) this.fail('expected a digit');
    if (s.charCodeAt(i) !== 46 /* . */) {
      if (intDigits > 15) this.fail('integer too long');
      // `01` and `-0` parse, but serialise as `1` and `0`.
      if (this.s.charCodeAt(firstDigit) === 48 && (intDigits > 1 || negative)) this.canonical = false;
      return negative ? -value : value;
    }
    if (intDigits > 12) this.fail('decimal too long');
    this.i++;
    let frac = 0;
    while (this.i < this.s.length && isDigit(this.s.charCodeAt(this.i))) {
      this.i++;
      frac++;
    }
    if (frac === 0 || frac > 3) this.fail('bad decimal fraction');
    this.canonical = false; // decimals round-trip through binary floating point: never assumed canonical
    return new Decimal(Number(this.s.slice(start, this.i)));
  }

  string(): string {
    this.i++;
    // Fast path: printable ASCII up to the closing quote with no escapes (one pass, no backtracking).
    const s = this.s;
    for (let j = this.i; j < s.length; j++) {
      const code = s.charCodeAt(j);
      if (code === 34) {
        const out = s.slice(this.i, j);
        this.i = j + 1;
        return out;
      }
      if (code === 92) break;
      if (code < 0x20 || code > 0x7e) {
        this.i = j;
        this.fail('bad string character');
      }
    }
    let out = '';
    for (;;) {
      if (this.done()) this.fail('unterminated string');
      const c = this.s[this.i++]!;
      if (c === '\\') {
        const n = this.s[this.i++];
        if (n !== '"' && n !== '\\') this.fail('bad escape');
        out += n;
      } else if (c === '"') return out;
      else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('bad string character');
        out += c;
      }
    }
  }

  token(): Token {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length && TOKEN_CHARS[this.s.charCodeAt(this.i)] === 1) this.i++;
    return new Token(this.s.slice(start, this.i));
  }

  bytes(): ByteSequence {
    this.i++;
    const end = this.s.indexOf(':', this.i);
    if (end < 0) this.fail('unterminated byte sequence');
    const b64 = this.s.slice(this.i, end);
    // base64Decode refuses any character outside the alphabet; padding and length are checked here.
    if (b64.length % 4 !== 0 || !paddingIsValid(b64)) this.fail('bad base64');
    this.i = end + 1;
    try {
      return new ByteSequence(base64Decode(b64), b64);
    } catch {
      return this.fail('bad base64');
    }
  }

  boolean(): boolean {
    this.i++;
    const c = this.s.charCodeAt(this.i++);
    if (c === 49) return true;
    if (c === 48) return false;
    return this.fail('bad boolean');
  }

  /** After a list or dictionary member: true at the end, else consumes `OWS , OWS` (RFC 8941 §4.2.1/§4.2.2). */
  endOfMember(): boolean {
    this.ows();
    if (this.done()) return true;
    if (this.s.charCodeAt(this.i) !== 44 /* , */) this.fail('expected ,');
    this.i++;
    this.ows();
    if (this.done()) this.fail('trailing comma');
    return false;
  }

  params(): Parameters {
    // Most items have none: one shared empty list (read-only by its type) instead of an array per item.
    if (this.s.charCodeAt(this.i) !== 59 /* ; */) return NO_PARAMS;
    const out: [string, BareItem][] = [];
    while (this.s.charCodeAt(this.i) === 59 /* ; */) {
      this.i++;
      if (this.sp() > 0) this.canonical = false;
      const k = this.key();
      let v: BareItem = true;
      if (this.s.charCodeAt(this.i) === 61 /* = */) {
        this.i++;
        v = this.bareItem();
        if (v === true) this.canonical = false; // `;k=?1` serialises as `;k`
      }
      // RFC 8941 §4.2.3.2: a repeated parameter overwrites the earlier value in its place.
      let j = 0;
      while (j < out.length && out[j]![0] !== k) j++;
      if (j < out.length) {
        out[j] = [k, v];
        this.canonical = false;
      } else out.push([k, v]);
    }
    return out;
  }

  itemOrInnerList(): Member {
    if (this.s.charCodeAt(this.i) !== 40 /* ( */) {
      const value = this.bareItem();
      return { value, params: this.params() };
    }
    const start = this.i++;
    this.canonical = true;
    const items: Item[] = [];
    for (;;) {
      // Canonical: no space after `(` or before `)`, exactly one between items.
      const spaces = this.sp();
      if (this.s.charCodeAt(this.i) === 41 /* ) */) {
        if (spaces > 0) this.canonical = false;
        this.i++;
        const params = this.params();
        return this.canonical ? { items, params, canonicalText: this.s.slice(start, this.i) } : { items, params };
      }
      if (spaces !== (items.length === 0 ? 0 : 1)) this.canonical = false;
      const value = this.bareItem();
      items.push({ value, params: this.params() });
      const c = this.s.charCodeAt(this.i);
      if (c !== 32 && c !== 41) this.fail('expected space or ) in inner list');
    }
  }
}

/**
 * Parameters starting at `offset` (RFC 8941 §4.2.3.2), for a caller that already knows what
 * precedes them (the Signature-Input fast path in message-signatures/base.ts). `end` is where
 * they stop; `canonical` is false when re-serialising them would change their text.
 */
export function parseParametersAt(text: string, offset: number): { readonly params: Parameters; readonly end: number; readonly canonical: boolean } {
  const p = new Parser(text);
  p.i = offset;
  const params = p.params();
  return { params, end: p.i, canonical: p.canonical };
}

/** Parses a dictionary field value; duplicate keys are an error (see module doc). */
export function parseDictionary(text: string): Dictionary {
  const p = new Parser(text);
  p.sp();
  const out: [string, Member][] = [];
  if (p.done()) return out;
  for (;;) {
    const k = p.key();
    // Dictionaries here have a handful of members: a scan beats building a Set per field.
    for (let j = 0; j < out.length; j++) if (out[j]![0] === k) p.fail(`duplicate key "${k}"`);
    let m: Member;
    if (p.code() === 61 /* = */) {
      p.i++;
      m = p.itemOrInnerList();
    } else {
      m = { value: true, params: p.params() };
    }
    out.push([k, m]);
    if (p.endOfMember()) return out;
  }
}

export function parseList(text: string): Member[] {
  const p = new Parser(text);
  p.sp();
  const out: Member[] = [];
  if (p.done()) return out;
  for (;;) {
    out.push(p.itemOrInnerList());
    if (p.endOfMember()) return out;
  }
}

export function parseItem(text: string): Item {
  const p = new Parser(text);
  p.sp();
  const value = p.bareItem();
  const item = { value, params: p.params() };
  p.sp();
  if (!p.done()) p.fail('trailing characters');
  return item;
}
