import { oneLine, startsWith, uintBE } from './bytes.js';
import { printableStrings } from './printable.js';

/**
 * Binary property lists (`bplist00`, CoreFoundation CFBinaryPList.c): an object table, an offset
 * table, and a 32-byte trailer naming the sizes and the top object. Info.plist in a shipped IPA,
 * compiled .strings and .nib files are in this format, and an SDK key in Info.plist is the
 * classic iOS leak.
 *
 * Each object is decoded once, from the offset table, front to back; references are never
 * followed recursively, so reference cycles and deep nesting cost nothing. A dictionary's string
 * values come out as `key = "value"` lines (the context the scanner's assignment rules need);
 * every other string, and the printable strings of data objects, on a line of its own.
 */
export function isBplist(b: Uint8Array): boolean {
  return startsWith(b, 'bplist00') && b.length >= 8 + 32;
}

type Obj = { t: 'str'; v: string } | { t: 'dict'; keys: number[]; values: number[] } | { t: 'data'; v: Uint8Array } | { t: 'other' };

export function bplistLines(b: Uint8Array, warn: (reason: string) => void): string[] {
  const trailer = b.length - 32;
  const offsetSize = b[trailer + 6]!;
  const refSize = b[trailer + 7]!;
  const numObjects = uintBE(b, trailer + 8, 8);
  const tableAt = uintBE(b, trailer + 24, 8);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8 || numObjects < 0 || tableAt < 8 || tableAt > trailer) {
    warn('the trailer is corrupt; no objects read');
    return [];
  }
  let count = numObjects;
  const fits = Math.floor((trailer - tableAt) / offsetSize);
  if (count > fits) {
    warn(`the trailer claims ${numObjects} objects but only ${fits} offsets fit; the rest are skipped`);
    count = fits;
  }
  const objects: Obj[] = [];
  let bad = 0;
  // Offsets may all point at one large object; bound the total work, not just each object.
  let budget = 4 * b.length + 1024;
  for (let i = 0; i < count; i++) {
    const at = uintBE(b, tableAt + i * offsetSize, offsetSize);
    const o = at >= 8 && at < tableAt ? readObject(b, at, tableAt, refSize) : undefined;
    if (!o) bad++;
    objects.push(o?.obj ?? { t: 'other' });
    budget -= o ? o.cost : 1;
    if (budget <= 0) {
      warn(`object decoding budget exhausted after ${i + 1} of ${count} objects (overlapping offsets); the rest are skipped`);
      break;
    }
  }
  if (bad) warn(`${bad} objects with bad offsets, markers or lengths were skipped`);
  return render(objects);
}

function render(objects: Obj[]): string[] {
  const used = new Set<number>();
  const lines: string[] = [];
  for (const o of objects) {
    if (o.t !== 'dict') continue;
    for (let k = 0; k < o.keys.length; k++) {
      const key = objects[o.keys[k]!];
      const value = objects[o.values[k]!];
      if (key?.t === 'str' && value?.t === 'str') {
        lines.push(`${oneLine(key.v)} = "${oneLine(value.v.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`);
        used.add(o.keys[k]!).add(o.values[k]!);
      }
    }
  }
  objects.forEach((o, i) => {
    if (o.t === 'str' && !used.has(i)) lines.push(oneLine(o.v));
    else if (o.t === 'data') lines.push(...printableStrings(o.v));
  });
  return lines;
}

function readObject(b: Uint8Array, at: number, end: number, refSize: number): { obj: Obj; cost: number } | undefined {
  const obj = objectAt(b, at, end, refSize);
  if (!obj) return undefined;
  const size = obj.t === 'str' ? obj.v.length * 2 : obj.t === 'data' ? obj.v.length : obj.t === 'dict' ? obj.keys.length * 2 * refSize : 0;
  return { obj, cost: 1 + size };
}

function objectAt(b: Uint8Array, at: number, end: number, refSize: number): Obj | undefined {
  const marker = b[at]!;
  const type = marker >> 4;
  let p = at + 1;
  let n = marker & 0x0f;
  if (type === 0x4 || type === 0x5 || type === 0x6 || type === 0xa || type === 0xc || type === 0xd) {
    if (n === 0x0f) {
      // The count is an int object that follows: 0x1N, then 2^N big-endian bytes.
      const m = b[p];
      if (m === undefined || m >> 4 !== 0x1 || (m & 0x0f) > 3) return undefined;
      const size = 1 << (m & 0x0f);
      n = uintBE(b, p + 1, size);
      if (n < 0) return undefined;
      p += 1 + size;
    }
  }
  switch (type) {
    case 0x4:
      return p + n <= end ? { t: 'data', v: b.subarray(p, p + n) } : undefined;
    case 0x5:
      return p + n <= end ? { t: 'str', v: ascii(b, p, n) } : undefined;
    case 0x6:
      return p + 2 * n <= end ? { t: 'str', v: utf16be(b, p, n) } : undefined;
    case 0xd: {
      if (p + 2 * n * refSize > end) return undefined;
      const keys: number[] = [];
      const values: number[] = [];
      for (let i = 0; i < n; i++) {
        keys.push(uintBE(b, p + i * refSize, refSize));
        values.push(uintBE(b, p + (n + i) * refSize, refSize));
      }
      return { t: 'dict', keys, values };
    }
    case 0xa:
    case 0xc:
      return p + n * refSize <= end ? { t: 'other' } : undefined;
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x3:
    case 0x8:
      return { t: 'other' };
    default:
      return undefined;
  }
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 4096) s += String.fromCharCode(...b.subarray(at + i, at + Math.min(n, i + 4096)));
  return s;
}

function utf16be(b: Uint8Array, at: number, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i += 4096) {
    const chunk: number[] = [];
    for (let j = i; j < Math.min(n, i + 4096); j++) chunk.push((b[at + 2 * j]! << 8) | b[at + 2 * j + 1]!);
    parts.push(String.fromCharCode(...chunk));
  }
  return parts.join('');
}
