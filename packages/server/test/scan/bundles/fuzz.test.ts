import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundleEntries, DEFAULT_BUNDLE_LIMITS } from '../../../src/scan/bundles/index.js';
import { bplistLines } from '../../../src/scan/bundles/bplist.js';
import { dexStrings } from '../../../src/scan/bundles/dex.js';
import { entryText } from '../../../src/scan/bundles/entry-text.js';
import { resStrings } from '../../../src/scan/bundles/res-chunks.js';
import { arsc, axml, bplist, dex, PLANTED, zip } from './fixtures.js';

/**
 * Every parser, fed valid files with lying fields (random u32/u16 overwrites, flipped bytes,
 * truncation) and pure garbage: it returns, never throws, and its output stays proportional to
 * its input (the decoding budgets hold). 10 000 cases per parser family.
 */
const RUNS = 10_000;

/** A valid file, then up to 8 edits: a random 1/2/4-byte overwrite, or a cut. */
function mutated(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('u32' as const), at: fc.nat(seed.length), v: fc.oneof(fc.constant(0xffffffff), fc.constant(0x7fffffff), fc.nat(), fc.nat(seed.length * 2)) }),
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(seed.length), v: fc.nat(255) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(seed.length), v: fc.constant(0) }),
  );
  return fc.array(edit, { maxLength: 8 }).map((edits) => {
    let b = Buffer.from(seed);
    for (const e of edits) {
      if (e.kind === 'cut') b = b.subarray(0, e.at);
      else if (e.kind === 'byte' && e.at < b.length) b[e.at] = e.v;
      else if (e.kind === 'u32' && e.at + 4 <= b.length) b.writeUInt32LE(e.v >>> 0, e.at);
    }
    return new Uint8Array(b);
  });
}

const garbage = (prefix: string): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: 600 }).map((b) => new Uint8Array([...Buffer.from(prefix, 'latin1'), ...b]));

function bounded(out: readonly string[], input: Uint8Array): void {
  expect(Array.isArray(out)).toBe(true);
  const chars = out.reduce((n, s) => n + s.length, 0);
  expect(chars).toBeLessThanOrEqual(6 * input.length + 2048);
}

const noop = (): void => {};

describe('fuzz: parsers never throw and stay bounded', () => {
  it('DEX string tables', () => {
    const seed = dex(['a', PLANTED, 'caf\u00e9', 'x'.repeat(40), '\u{1f600}']);
    fc.assert(fc.property(fc.oneof(mutated(seed), garbage('dex\n035\0')), (b) => bounded(dexStrings(b, noop), b)), { numRuns: RUNS });
  });

  it('Android resource chunks (ARSC and AXML)', () => {
    const table = arsc(['v1', PLANTED], ['k1', 'k2']);
    const xml = axml(['manifest', PLANTED, 'x'.repeat(300)]);
    fc.assert(fc.property(fc.oneof(mutated(table), mutated(xml), garbage('\x02\x00\x0c\x00'), garbage('\x03\x00\x08\x00')), (b) => bounded(resStrings(b, noop), b)), { numRuns: RUNS });
  });

  it('binary plists', () => {
    const seed = bplist({ a: PLANTED, b: ['x', 'caf\u00e9', { c: new Uint8Array([1, 2, 3, 65, 66, 67, 68, 69, 70]) }], n: 5, t: true });
    fc.assert(fc.property(fc.oneof(mutated(seed), garbage('bplist00')), (b) => bounded(bplistLines(b, noop), b)), { numRuns: RUNS });
  });

  it('entry text for any content (printable strings, UTF-8/UTF-16 text)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('a.so', 'a.txt', 'Info.plist', 'a.png'), (b, name) => {
      const text = entryText(b, name, noop);
      expect(text === undefined || text.length <= 2 * b.length).toBe(true);
    }), { numRuns: RUNS });
  });

  it('ZIP archives, nested ones included, under small total limits', () => {
    const inner = zip([{ name: 'classes.dex', data: dex([PLANTED]) }, { name: 'Info.plist', data: bplist({ k: PLANTED }) }]);
    const seed = zip([
      { name: 'AndroidManifest.xml', data: axml(['m', PLANTED]) },
      { name: 'assets/t.txt', data: 'hello '.repeat(20) },
      { name: 'nested.zip', data: inner, method: 0 },
      { name: '../evil', data: 'x', method: 0 },
    ]);
    const limits = { ...DEFAULT_BUNDLE_LIMITS, maxTotalBytes: 16 * 1024, maxEntries: 64 };
    fc.assert(fc.property(fc.oneof(mutated(seed), garbage('PK\x03\x04')), (b) => {
      let chars = 0;
      let warnings = 0;
      for (const item of bundleEntries(b, 'f.apk', limits, () => warnings++)) {
        expect(item.path.startsWith('f.apk!/')).toBe(true);
        expect(item.path.split('/')).not.toContain('..');
        chars += item.text.length;
      }
      expect(chars).toBeLessThanOrEqual(6 * (limits.maxTotalBytes + b.length));
      expect(warnings).toBeLessThan(10_000);
    }), { numRuns: RUNS });
  });
});

describe('lying fields, one at a time', () => {
  it('a DEX whose string offsets all point at one long unterminated run stops at its budget', () => {
    const n = 20_000;
    const b = Buffer.alloc(0x70 + 4 * n + 100_000, 0x41);
    b.write('dex\n035\0', 0, 'latin1');
    b.writeUInt32LE(n, 56);
    b.writeUInt32LE(0x70, 60);
    for (let i = 0; i < n; i++) b.writeUInt32LE(0x70 + 4 * n, 0x70 + 4 * i);
    const warnings: string[] = [];
    const t = performance.now();
    const out = dexStrings(new Uint8Array(b), (w) => warnings.push(w));
    expect(performance.now() - t).toBeLessThan(2000);
    expect(out.length).toBeLessThan(n);
    expect(warnings.some((w) => w.includes('budget exhausted'))).toBe(true);
  });

  it('a DEX claiming 2^32-1 strings reads only those that fit', () => {
    const b = Buffer.from(dex(['one', 'two']));
    b.writeUInt32LE(0xffffffff, 56);
    const warnings: string[] = [];
    const out = dexStrings(new Uint8Array(b), (w) => warnings.push(w));
    expect(out.slice(0, 2)).toEqual(['one', 'two']);
    expect(warnings[0]).toContain('only');
  });

  it('a string pool claiming more strings than fit is clamped, and a bplist with a lying object count too', () => {
    const pool = Buffer.from(axml(['alpha', 'beta']));
    pool.writeUInt32LE(0x10000000, 8 + 8); // stringCount of the pool chunk at byte 8
    const w1: string[] = [];
    expect(resStrings(new Uint8Array(pool), (w) => w1.push(w))).toContain('alpha');
    expect(w1.some((w) => w.includes('only'))).toBe(true);
    const pl = Buffer.from(bplist({ k: 'value' }));
    pl.writeBigUInt64BE(1n << 40n, pl.length - 32 + 8);
    const w2: string[] = [];
    expect(bplistLines(new Uint8Array(pl), (w) => w2.push(w))).toContain('k = "value"');
    expect(w2.some((w) => w.includes('only'))).toBe(true);
  });
});
