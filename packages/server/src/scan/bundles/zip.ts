import { inflateRawSync } from 'node:zlib';
import { u16le, u32le, u64le } from './bytes.js';
import { RATIO_FREE_BYTES } from './limits.js';

/**
 * A small, read-only ZIP reader (APPNOTE 6.3.10) for APK, AAB and IPA files, which are plain
 * ZIPs. Why our own and not a package: the scanner needs to bound the work *per entry* before
 * doing it (node:zlib's `maxOutputLength` stops inflating at the first byte past the cap), and
 * it needs only stored and deflated entries. Nothing is ever written to disk, so an entry name
 * is only a label (see paths.ts).
 */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the local file header. */
  readonly localOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

export function looksLikeZip(b: Uint8Array): boolean {
  const sig = u32le(b, 0);
  return sig === SIG_LOCAL || (sig === SIG_EOCD && b.length >= 22);
}

/**
 * The entries of a ZIP, from its central directory; if there is none (a truncated download),
 * from its local headers, front to back. Problems go to `warn`; reading stops at the first
 * structural lie, never throws.
 */
export function* zipEntries(b: Uint8Array, warn: (reason: string) => void): Generator<ZipEntry> {
  const dir = centralDirectory(b);
  if (typeof dir === 'string') {
    warn(`${dir}; reading the local headers instead`);
    yield* localEntries(b, warn);
    return;
  }
  let pos = dir.offset;
  const end = dir.offset + dir.size;
  for (let i = 0; i < dir.count; i++) {
    if (pos + 46 > end || u32le(b, pos) !== SIG_CENTRAL) {
      warn(`central directory entry ${i} is corrupt; the remaining ${dir.count - i} entries are skipped`);
      return;
    }
    const nameLen = u16le(b, pos + 28);
    const extraLen = u16le(b, pos + 30);
    const commentLen = u16le(b, pos + 32);
    const next = pos + 46 + nameLen + extraLen + commentLen;
    if (next > end) {
      warn(`central directory entry ${i} runs past the directory; the rest is skipped`);
      return;
    }
    let compressedSize = u32le(b, pos + 20);
    let uncompressedSize = u32le(b, pos + 24);
    let localOffset = u32le(b, pos + 42);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // ZIP64 extended information (APPNOTE 4.5.3): only the fields that overflowed, in this order.
      const z = zip64Extra(b, pos + 46 + nameLen, extraLen);
      let k = 0;
      if (uncompressedSize === 0xffffffff) uncompressedSize = z[k++] ?? -1;
      if (compressedSize === 0xffffffff) compressedSize = z[k++] ?? -1;
      if (localOffset === 0xffffffff) localOffset = z[k++] ?? -1;
    }
    const flags = u16le(b, pos + 8);
    const nameBytes = b.subarray(pos + 46, pos + 46 + nameLen);
    // Bit 11: the name is UTF-8; otherwise CP437, whose printable ASCII part latin1 reads alike.
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    yield { name, method: u16le(b, pos + 10), flags, compressedSize, uncompressedSize, localOffset };
    pos = next;
  }
}

interface Directory {
  readonly offset: number;
  readonly size: number;
  readonly count: number;
}

function centralDirectory(b: Uint8Array): Directory | string {
  const last = b.length - 22;
  let eocd = -1;
  for (let p = last; p >= 0 && p >= last - MAX_COMMENT; p--) {
    if (b[p] === 0x50 && u32le(b, p) === SIG_EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) return 'no end-of-central-directory record (truncated or not a ZIP)';
  let count = u16le(b, eocd + 10);
  let size = u32le(b, eocd + 12);
  let offset = u32le(b, eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const loc = eocd - 20;
    if (u32le(b, loc) === SIG_EOCD64_LOCATOR) {
      const rec = u64le(b, loc + 8);
      if (rec >= 0 && u32le(b, rec) === SIG_EOCD64) {
        count = u64le(b, rec + 32);
        size = u64le(b, rec + 40);
        offset = u64le(b, rec + 48);
      }
    }
  }
  if (count < 0 || size < 0 || offset < 0 || offset + size > b.length) return 'the central directory lies outside the file';
  // Each central entry takes at least 46 bytes: a larger count is a lie that would spin the loop.
  if (count * 46 > size) return `the central directory claims ${count} entries in ${size} bytes`;
  return { offset, size, count };
}

function zip64Extra(b: Uint8Array, at: number, len: number): number[] {
  const end = at + len;
  let p = at;
  while (p + 4 <= end) {
    const id = u16le(b, p);
    const size = u16le(b, p + 2);
    if (p + 4 + size > end) break;
    if (id === 0x0001) {
      const out: number[] = [];
      for (let q = p + 4; q + 8 <= p + 4 + size; q += 8) out.push(u64le(b, q));
      return out;
    }
    p += 4 + size;
  }
  return [];
}

/** Fallback for an archive without its directory: walk local headers while they carry sizes. */
function* localEntries(b: Uint8Array, warn: (reason: string) => void): Generator<ZipEntry> {
  let pos = 0;
  while (pos + 30 <= b.length && u32le(b, pos) === SIG_LOCAL) {
    const flags = u16le(b, pos + 6);
    const compressedSize = u32le(b, pos + 18);
    const nameLen = u16le(b, pos + 26);
    const extraLen = u16le(b, pos + 28);
    if (flags & 0x8 && compressedSize === 0) {
      warn('a local header defers its sizes to a data descriptor; the entries after it are skipped');
      return;
    }
    const name = (flags & 0x800 ? utf8 : latin1).decode(b.subarray(pos + 30, pos + 30 + nameLen));
    yield { name, method: u16le(b, pos + 8), flags, compressedSize, uncompressedSize: u32le(b, pos + 22), localOffset: pos };
    pos += 30 + nameLen + extraLen + compressedSize;
  }
}

export interface InflateCaps {
  readonly maxEntryBytes: number;
  readonly maxRatio: number;
  /** What is left of the bundle's total-bytes budget. */
  readonly bytesLeft: number;
}

/** An entry's bytes, or why it was skipped. `cost` is the uncompressed bytes produced (even if refused). */
export type EntryData = { readonly bytes: Uint8Array; readonly cost: number } | { readonly skipped: string; readonly cost: number };

/**
 * An entry's uncompressed bytes. The cap is the smallest of the per-entry limit, the remaining
 * total, and (past {@link RATIO_FREE_BYTES}) compressed size × ratio; inflating stops one byte
 * past it, so a bomb costs at most the cap in memory and time, whatever sizes it declares.
 */
export function readEntry(b: Uint8Array, e: ZipEntry, caps: InflateCaps): EntryData {
  if (e.flags & 0x1) return { skipped: 'encrypted entry', cost: 0 };
  if (u32le(b, e.localOffset) !== SIG_LOCAL) return { skipped: 'no local header at the offset the directory gives', cost: 0 };
  const start = e.localOffset + 30 + u16le(b, e.localOffset + 26) + u16le(b, e.localOffset + 28);
  if (e.compressedSize < 0 || start + e.compressedSize > b.length) return { skipped: 'entry data runs past the end of the archive (truncated)', cost: 0 };
  const data = b.subarray(start, start + e.compressedSize);
  const ratioCap = Math.max(RATIO_FREE_BYTES, e.compressedSize * caps.maxRatio);
  const cap = Math.min(caps.maxEntryBytes, caps.bytesLeft, ratioCap);
  const why = cap === caps.bytesLeft ? 'the total-bytes limit of the bundle' : cap === caps.maxEntryBytes ? `the per-entry limit (${caps.maxEntryBytes} bytes)` : `the compression-ratio limit (${caps.maxRatio}:1)`;
  if (e.method === 0) {
    if (data.length > cap) return { skipped: `stored entry of ${data.length} bytes exceeds ${why}`, cost: 0 };
    return { bytes: data, cost: data.length };
  }
  if (e.method !== 8) return { skipped: `compression method ${e.method} is not supported`, cost: 0 };
  // A declared size is a claim, not a fact; but a claim above the cap is refused without work.
  if (e.uncompressedSize > cap) return { skipped: `declares ${e.uncompressedSize} bytes, past ${why}`, cost: 0 };
  if (cap <= 0) return { skipped: `past ${why}`, cost: 0 };
  try {
    const out = inflateRawSync(data, { maxOutputLength: cap });
    return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), cost: out.byteLength };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { skipped: `inflates past ${why}; stopped there`, cost: cap };
    return { skipped: `corrupt deflate data (${(err as Error).message})`, cost: 0 };
  }
}
