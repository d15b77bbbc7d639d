import { createHash } from 'node:crypto';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { generateKey } from '@keyward/protocol';

/**
 * Builders for real bundle fixtures, made in code so every byte is explained: ZIP (APPNOTE
 * 6.3.10), DEX (dex-format: header, string_ids, string_data, Adler-32 and SHA-1 correct),
 * Android resource chunks (ResourceTypes.h string pools in UTF-8 and UTF-16) and bplist00.
 */

export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array | string;
  /** 0 stored, 8 deflated (default). */
  readonly method?: 0 | 8;
  /** Overrides of what the headers claim, to build lying archives. */
  readonly claimUncompressed?: number;
  /** Already deflated bytes (method 8), e.g. a bomb; `data` is then ignored for the body. */
  readonly deflated?: Uint8Array;
}

const enc = new TextEncoder();
const bytesOf = (d: Uint8Array | string): Uint8Array => (typeof d === 'string' ? enc.encode(d) : d);

export function zip(entries: readonly ZipInput[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = bytesOf(e.data);
    const method = e.method ?? 8;
    const body = e.deflated ? Buffer.from(e.deflated) : method === 8 ? deflateRawSync(raw) : Buffer.from(raw);
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(raw);
    const uncompressed = e.claimUncompressed ?? raw.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(uncompressed, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(uncompressed, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, eocd]));
}

/** MUTF-8: U+0000 as C0 80, supplementary characters as two 3-byte surrogates. */
export function mutf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 1 && c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(out);
}

function uleb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function adler32(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** A minimal valid DEX 035: header, string_ids, string_data; every other section empty. */
export function dex(strings: readonly string[]): Uint8Array {
  const headerSize = 0x70;
  const idsOff = headerSize;
  const dataOff = idsOff + 4 * strings.length;
  const data: number[] = [];
  const offsets: number[] = [];
  for (const s of strings) {
    offsets.push(dataOff + data.length);
    data.push(...uleb128(s.length), ...mutf8(s), 0);
  }
  const file = Buffer.alloc(dataOff + data.length);
  file.write('dex\n035\0', 0, 'latin1');
  file.writeUInt32LE(file.length, 32);
  file.writeUInt32LE(headerSize, 36);
  file.writeUInt32LE(0x12345678, 40);
  file.writeUInt32LE(strings.length, 56);
  file.writeUInt32LE(strings.length ? idsOff : 0, 60);
  file.writeUInt32LE(data.length, 104); // data_size
  file.writeUInt32LE(dataOff, 108); // data_off
  offsets.forEach((o, i) => file.writeUInt32LE(o, idsOff + 4 * i));
  Buffer.from(data).copy(file, dataOff);
  createHash('sha1').update(file.subarray(32)).digest().copy(file, 12);
  file.writeUInt32LE(adler32(file.subarray(12)), 8);
  return new Uint8Array(file);
}

/** A RES_STRING_POOL_TYPE chunk, UTF-8 or UTF-16. */
export function stringPool(strings: readonly string[], utf8: boolean): Buffer {
  const bodies: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const s of strings) {
    let body: Buffer;
    if (utf8) {
      const bytes = Buffer.from(s, 'utf8');
      body = Buffer.concat([Buffer.from([...len8(s.length), ...len8(bytes.length)]), bytes, Buffer.from([0])]);
    } else {
      const units = Buffer.from(s, 'utf16le');
      const head = s.length > 0x7fff ? Buffer.from([(s.length >> 16) & 0xff, 0x80 | (s.length >> 24), s.length & 0xff, (s.length >> 8) & 0xff]) : Buffer.from([s.length & 0xff, s.length >> 8]);
      body = Buffer.concat([head, units, Buffer.from([0, 0])]);
    }
    offsets.push(at);
    bodies.push(body);
    at += body.length;
  }
  const strData = Buffer.concat(bodies);
  const pad = (4 - (strData.length % 4)) % 4;
  const header = Buffer.alloc(28 + 4 * strings.length);
  header.writeUInt16LE(0x0001, 0);
  header.writeUInt16LE(28, 2);
  header.writeUInt32LE(header.length + strData.length + pad, 4);
  header.writeUInt32LE(strings.length, 8);
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(utf8 ? 0x100 : 0, 16);
  header.writeUInt32LE(header.length, 20);
  offsets.forEach((o, i) => header.writeUInt32LE(o, 28 + 4 * i));
  return Buffer.concat([header, strData, Buffer.alloc(pad)]);
}

function len8(n: number): number[] {
  return n > 0x7f ? [0x80 | (n >> 8), n & 0xff] : [n];
}

function chunk(type: number, headerSize: number, header: Buffer, children: readonly Buffer[]): Buffer {
  const body = Buffer.concat(children as Buffer[]);
  const h = Buffer.alloc(headerSize);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(headerSize, 2);
  h.writeUInt32LE(headerSize + body.length, 4);
  header.copy(h, 8);
  return Buffer.concat([h, body]);
}

/** resources.arsc: RES_TABLE_TYPE with a global value pool (UTF-8) and one package with UTF-16 type/key pools. */
export function arsc(values: readonly string[], keyNames: readonly string[]): Uint8Array {
  const count = Buffer.alloc(4);
  count.writeUInt32LE(1, 0);
  const pkgHeader = Buffer.alloc(288 - 8);
  pkgHeader.writeUInt32LE(0x7f, 0);
  const pkg = chunk(0x0200, 288, pkgHeader, [stringPool(['string'], false), stringPool(keyNames, false)]);
  return new Uint8Array(chunk(0x0002, 12, count, [stringPool(values, true), pkg]));
}

/** A compiled XML file: RES_XML_TYPE with its string pool (UTF-16, as aapt2 writes manifests) and a resource map. */
export function axml(strings: readonly string[]): Uint8Array {
  const resMap = chunk(0x0180, 8, Buffer.alloc(0), [Buffer.from([0x03, 0x00, 0x01, 0x01])]);
  return new Uint8Array(chunk(0x0003, 8, Buffer.alloc(0), [stringPool(strings, false), resMap]));
}

export type Plist = string | number | boolean | Uint8Array | readonly Plist[] | { readonly [k: string]: Plist };

/** bplist00 writer: ASCII or UTF-16BE strings, ints, bools, data, arrays, dicts, 1- or 2-byte refs. */
export function bplist(root: Plist): Uint8Array {
  const objects: Buffer[] = [];
  const add = (v: Plist): number => {
    const index = objects.length;
    objects.push(Buffer.alloc(0));
    objects[index] = encode(v);
    return index;
  };
  let refSize = 2;
  const ref = (n: number): Buffer => {
    const b = Buffer.alloc(refSize);
    b.writeUIntBE(n, 0, refSize);
    return b;
  };
  const marker = (type: number, n: number): Buffer => (n < 15 ? Buffer.from([(type << 4) | n]) : Buffer.concat([Buffer.from([(type << 4) | 0xf, 0x11]), Buffer.from([n >> 8, n & 0xff])]));
  function encode(v: Plist): Buffer {
    if (typeof v === 'boolean') return Buffer.from([v ? 0x09 : 0x08]);
    if (typeof v === 'number') return Buffer.from([0x12, (v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    if (typeof v === 'string') {
      // eslint-disable-next-line no-control-regex -- ASCII test
      if (/^[\x00-\x7f]*$/.test(v)) return Buffer.concat([marker(0x5, v.length), Buffer.from(v, 'latin1')]);
      return Buffer.concat([marker(0x6, v.length), Buffer.from(v, 'utf16le').swap16()]);
    }
    if (v instanceof Uint8Array) return Buffer.concat([marker(0x4, v.length), Buffer.from(v)]);
    if (Array.isArray(v)) {
      const refs = (v as readonly Plist[]).map(add);
      return Buffer.concat([marker(0xa, refs.length), ...refs.map(ref)]);
    }
    const entries = Object.entries(v as Record<string, Plist>);
    const keys = entries.map(([k]) => add(k));
    const values = entries.map(([, x]) => add(x));
    return Buffer.concat([marker(0xd, entries.length), ...keys.map(ref), ...values.map(ref)]);
  }
  refSize = 2;
  add(root);
  const offsets: number[] = [];
  let at = 8;
  for (const o of objects) {
    offsets.push(at);
    at += o.length;
  }
  const offsetSize = at > 0xffff ? 4 : 2;
  const table = Buffer.alloc(offsets.length * offsetSize);
  offsets.forEach((o, i) => table.writeUIntBE(o, i * offsetSize, offsetSize));
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = refSize;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(0n, 16);
  trailer.writeBigUInt64BE(BigInt(at), 24);
  return new Uint8Array(Buffer.concat([Buffer.from('bplist00', 'latin1'), ...objects, table, trailer]));
}

/** A real (checksummed) publishable key, new per run, planted in fixtures. */
export const PLANTED = generateKey('publishable', 'live');

/**
 * A raw deflate stream of `mib` MiB of zeros, about 1000:1, built without deflating it all: one
 * sync-flushed block of 1 MiB (byte-aligned, not final) repeated, then an empty final block.
 */
export function zeroBomb(mib: number): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
  return new Uint8Array(Buffer.concat([...Array.from({ length: mib }, () => block), Buffer.from([0x03, 0x00])]));
}

/** A ZIP whose `count` central entries all point at the one local entry of `inner` (overlapping-file bomb). */
export function overlapping(inner: Uint8Array, count: number): Uint8Array {
  const b = Buffer.from(inner);
  const eocd = b.length - 22;
  const cdOff = b.readUInt32LE(eocd + 16);
  const central = b.subarray(cdOff, eocd);
  const copies = Array.from({ length: count }, (_, i) => {
    const c = Buffer.from(central);
    const nameAt = 46;
    c.write(String(i % 10), nameAt, 'latin1'); // same-length names, distinct enough for a report
    return c;
  });
  const cd = Buffer.concat(copies);
  const end = Buffer.from(b.subarray(eocd));
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  return new Uint8Array(Buffer.concat([b.subarray(0, cdOff), cd, end]));
}

/**
 * The same archive in ZIP64 form (APPNOTE 4.3.14, 4.5.3): every central record's sizes and offset
 * set to 0xFFFFFFFF with the real values in a ZIP64 extra field, and a ZIP64 end record and
 * locator before an end record whose counts are 0xFFFF.
 */
export function toZip64(plain: Uint8Array): Uint8Array {
  const b = Buffer.from(plain);
  const eocd = b.length - 22;
  const count = b.readUInt16LE(eocd + 10);
  let pos = b.readUInt32LE(eocd + 16);
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = b.readUInt16LE(pos + 28);
    const rec = Buffer.from(b.subarray(pos, pos + 46 + nameLen));
    const extra = Buffer.alloc(4 + 24);
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(24, 2);
    extra.writeBigUInt64LE(BigInt(rec.readUInt32LE(24)), 4);
    extra.writeBigUInt64LE(BigInt(rec.readUInt32LE(20)), 12);
    extra.writeBigUInt64LE(BigInt(rec.readUInt32LE(42)), 20);
    rec.writeUInt32LE(0xffffffff, 20);
    rec.writeUInt32LE(0xffffffff, 24);
    rec.writeUInt32LE(0xffffffff, 42);
    rec.writeUInt16LE(extra.length, 30);
    records.push(rec, extra);
    pos += 46 + nameLen;
  }
  const cdOff = b.readUInt32LE(eocd + 16);
  const cd = Buffer.concat(records);
  const rec64At = cdOff + cd.length;
  const rec64 = Buffer.alloc(56);
  rec64.writeUInt32LE(0x06064b50, 0);
  rec64.writeBigUInt64LE(44n, 4);
  rec64.writeBigUInt64LE(BigInt(count), 24);
  rec64.writeBigUInt64LE(BigInt(count), 32);
  rec64.writeBigUInt64LE(BigInt(cd.length), 40);
  rec64.writeBigUInt64LE(BigInt(cdOff), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(rec64At), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return new Uint8Array(Buffer.concat([b.subarray(0, cdOff), cd, rec64, locator, end]));
}
