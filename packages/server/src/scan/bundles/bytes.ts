/** Bounds-checked little/big-endian reads: every offset in a bundle is attacker-chosen. */
export function u16le(b: Uint8Array, at: number): number {
  return at >= 0 && at + 2 <= b.length ? b[at]! | (b[at + 1]! << 8) : -1;
}

export function u32le(b: Uint8Array, at: number): number {
  return at >= 0 && at + 4 <= b.length ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0 : -1;
}

/** A little-endian u64 as a number, or -1 if out of range or above 2^53 (no real offset is). */
export function u64le(b: Uint8Array, at: number): number {
  const lo = u32le(b, at);
  const hi = u32le(b, at + 4);
  if (lo < 0 || hi < 0 || hi >= 0x200000) return -1;
  return hi * 0x1_0000_0000 + lo;
}

/** A big-endian unsigned integer of 1–8 bytes as a number, or -1 if out of range or above 2^53. */
export function uintBE(b: Uint8Array, at: number, size: number): number {
  if (at < 0 || size < 1 || size > 8 || at + size > b.length) return -1;
  let v = 0;
  for (let i = 0; i < size; i++) {
    v = v * 256 + b[at + i]!;
    if (v > Number.MAX_SAFE_INTEGER) return -1;
  }
  return v;
}

export function startsWith(b: Uint8Array, ascii: string, at = 0): boolean {
  if (at + ascii.length > b.length) return false;
  for (let i = 0; i < ascii.length; i++) if (b[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/**
 * One string per line: a line break inside a string is shown as `\n`, so line N of an entry's
 * text is always string N and a finding's line number means "string index".
 */
export function oneLine(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/\r\n|\r|\n/g, '\\n') : s;
}
