import { u16le, u32le } from './bytes.js';

/**
 * Strings of Android's binary resource formats: `resources.arsc` (RES_TABLE_TYPE) and compiled
 * XML such as AndroidManifest.xml and res/*.xml (RES_XML_TYPE, "AXML"). Both are trees of chunks
 * `{u16 type, u16 headerSize, u32 size}` (frameworks/base/libs/androidfw/include/androidfw/
 * ResourceTypes.h); every string value, attribute value and name sits in a RES_STRING_POOL_TYPE
 * chunk, in UTF-8 or UTF-16LE. We read every pool in the tree and ignore the rest.
 */
const RES_STRING_POOL = 0x0001;
const RES_TABLE = 0x0002;
const RES_XML = 0x0003;
const RES_TABLE_PACKAGE = 0x0200;
const UTF8_FLAG = 0x100;
const MAX_NESTING = 4;

export function isResChunkFile(b: Uint8Array): boolean {
  const type = u16le(b, 0);
  const header = u16le(b, 2);
  return (type === RES_TABLE && header === 12) || (type === RES_XML && header === 8);
}

export function resStrings(b: Uint8Array, warn: (reason: string) => void): string[] {
  const out: string[] = [];
  // Overlapping string offsets could make decoding quadratic: stop after 4 × the file size.
  const budget = { left: 4 * b.length + 1024 };
  walk(b, 0, b.length, 0, out, warn, budget);
  return out;
}

function walk(b: Uint8Array, start: number, end: number, depth: number, out: string[], warn: (reason: string) => void, budget: { left: number }): void {
  let pos = start;
  while (pos + 8 <= end && budget.left > 0) {
    const type = u16le(b, pos);
    const headerSize = u16le(b, pos + 2);
    const size = u32le(b, pos + 4);
    if (headerSize < 8 || size < headerSize || pos + size > end) {
      warn(`chunk at byte ${pos} has an impossible size; the rest of its parent is skipped`);
      return;
    }
    if (type === RES_STRING_POOL) {
      stringPool(b, pos, headerSize, size, out, warn, budget);
    } else if (type === RES_TABLE || type === RES_XML || type === RES_TABLE_PACKAGE) {
      if (depth >= MAX_NESTING) warn(`chunks nested deeper than ${MAX_NESTING} at byte ${pos}; skipped`);
      else walk(b, pos + headerSize, pos + size, depth + 1, out, warn, budget);
    }
    pos += size;
  }
}

function stringPool(b: Uint8Array, pos: number, headerSize: number, size: number, out: string[], warn: (reason: string) => void, budget: { left: number }): void {
  if (headerSize < 28) {
    warn(`string pool at byte ${pos} has a short header; skipped`);
    return;
  }
  const end = pos + size;
  let count = u32le(b, pos + 8);
  const utf8 = (u32le(b, pos + 16) & UTF8_FLAG) !== 0;
  const stringsStart = pos + u32le(b, pos + 20);
  const fits = Math.floor((size - headerSize) / 4);
  if (count > fits) {
    warn(`string pool at byte ${pos} claims ${count} strings but only ${fits} offsets fit; the rest are skipped`);
    count = fits;
  }
  let bad = 0;
  for (let i = 0; i < count; i++) {
    if (budget.left <= 0) {
      warn(`string decoding budget exhausted in the pool at byte ${pos} (overlapping offsets); the rest are skipped`);
      return;
    }
    const at = stringsStart + u32le(b, pos + headerSize + 4 * i);
    const s = at >= end ? undefined : utf8 ? utf8String(b, at, end) : utf16String(b, at, end);
    budget.left -= s ? s.cost : 4;
    if (s?.text === undefined) bad++;
    out.push(s?.text ?? '');
  }
  if (bad) warn(`${bad} strings of the pool at byte ${pos} had bad offsets or lengths (their lines are empty)`);
}

const utf8Decoder = new TextDecoder('utf-8');

/** UTF-8 pool entry: UTF-16 length, then byte length (each 1 byte, or 2 with the high bit), bytes, NUL. */
function utf8String(b: Uint8Array, at: number, end: number): { text?: string; cost: number } {
  let p = at;
  const skipLen = (): number => {
    if (p >= end) return -1;
    let n = b[p++]!;
    if (n & 0x80) {
      if (p >= end) return -1;
      n = ((n & 0x7f) << 8) | b[p++]!;
    }
    return n;
  };
  if (skipLen() < 0) return { cost: 2 };
  const len = skipLen();
  if (len < 0 || p + len > end) return { cost: p - at };
  return { text: utf8Decoder.decode(b.subarray(p, p + len)), cost: p - at + len };
}

/** UTF-16 pool entry: length in code units (1 u16, or 2 with the high bit), then UTF-16LE units, NUL. */
function utf16String(b: Uint8Array, at: number, end: number): { text?: string; cost: number } {
  let p = at;
  let n = u16le(b, p);
  if (n < 0 || p + 2 > end) return { cost: 2 };
  p += 2;
  if (n & 0x8000) {
    const lo = u16le(b, p);
    if (lo < 0 || p + 2 > end) return { cost: 4 };
    n = ((n & 0x7fff) << 16) | lo;
    p += 2;
  }
  if (p + 2 * n > end) return { cost: p - at };
  const units: string[] = [];
  for (let i = 0; i < n; i += 4096) {
    const chunk: number[] = [];
    for (let j = i; j < Math.min(n, i + 4096); j++) chunk.push(b[p + 2 * j]! | (b[p + 2 * j + 1]! << 8));
    units.push(String.fromCharCode(...chunk));
  }
  return { text: units.join(''), cost: p - at + 2 * n };
}
