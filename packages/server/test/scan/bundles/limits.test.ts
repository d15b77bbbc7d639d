import { describe, expect, it } from 'vitest';
import { bundleEntries, DEFAULT_BUNDLE_LIMITS, type BundleItem, type BundleLimits } from '../../../src/scan/bundles/index.js';
import { overlapping, PLANTED, zeroBomb, zip } from './fixtures.js';

/** Bad archives get bounded work and a warning per skipped item, never a throw. */
function run(bytes: Uint8Array, limits: Partial<BundleLimits> = {}): { items: BundleItem[]; warnings: { path: string; reason: string }[]; ms: number } {
  const warnings: { path: string; reason: string }[] = [];
  const t = performance.now();
  const items = [...bundleEntries(bytes, 'app.apk', { ...DEFAULT_BUNDLE_LIMITS, ...limits }, (w) => warnings.push(w))];
  return { items, warnings, ms: performance.now() - t };
}

describe('zip bombs', () => {
  const kernel = zeroBomb(1024); // 1 GiB of zeros in ~1 MB

  it('an entry past the ratio limit stops inflating at the limit, whatever size it declares', () => {
    expect(kernel.length).toBeLessThan(1.2 * 1024 * 1024);
    const bomb = zip([{ name: 'assets/bomb.bin', data: '', deflated: kernel, claimUncompressed: 1000 }, { name: 'assets/after.txt', data: PLANTED }]);
    const { items, warnings, ms } = run(bomb);
    expect(warnings).toEqual([{ path: 'app.apk!/assets/bomb.bin', reason: expect.stringContaining('compression-ratio limit') }]);
    expect(items.map((i) => i.path)).toEqual(['app.apk!/assets/after.txt']); // the walk went on
    // Default 100:1 caps this entry at ~100 MiB; inflating the full 1 GiB takes ~8 s here.
    expect(ms).toBeLessThan(4000);
  });

  it('an entry past the per-entry limit is refused; a small one that inflates within the ratio-free bytes is read', () => {
    const big = zip([{ name: 'big.txt', data: 'y'.repeat(2_000_000) }, { name: 'ok.txt', data: ' '.repeat(900_000) + PLANTED }]);
    const { items, warnings } = run(big, { maxEntryBytes: 4 * 1024 * 1024, maxRatio: 2 });
    expect(warnings).toEqual([{ path: 'app.apk!/big.txt', reason: expect.stringContaining('ratio') }]);
    expect(items.map((i) => i.path)).toEqual(['app.apk!/ok.txt']);
    const { warnings: w2 } = run(big, { maxEntryBytes: 100_000 });
    expect(w2.map((w) => w.reason)).toEqual([expect.stringContaining('per-entry limit'), expect.stringContaining('per-entry limit')]);
  });

  it('overlapping entries (one kernel, many directory records) stop at the total-bytes limit', () => {
    const inner = zip([{ name: 'k', data: '', deflated: zeroBomb(8) }]);
    const bomb = overlapping(inner, 10_000); // 10 000 × 8 MiB = 80 GB claimed
    const { warnings, ms } = run(bomb, { maxTotalBytes: 64 * 1024 * 1024, maxRatio: 10_000 });
    expect(warnings.at(-1)!.reason).toContain('total-bytes limit');
    expect(warnings.length).toBeLessThan(20);
    expect(ms).toBeLessThan(4000);
  });

  it('a 42.zip-style nest stops at the depth and total limits', () => {
    let layer = zip(Array.from({ length: 16 }, (_, i) => ({ name: `${i}.bin`, data: '', deflated: zeroBomb(16) })));
    for (let d = 0; d < 4; d++) layer = zip(Array.from({ length: 16 }, (_, i) => ({ name: `${i}.zip`, data: layer })));
    const { warnings, ms } = run(layer, { maxTotalBytes: 128 * 1024 * 1024, maxRatio: 10_000 });
    expect(warnings.some((w) => w.reason.includes('nested deeper than 3'))).toBe(true);
    expect(ms).toBeLessThan(4000);
  });
});

describe('entry limits and names', () => {
  it('stops after maxEntries entries, with one warning', () => {
    const many = zip(Array.from({ length: 50 }, (_, i) => ({ name: `assets/${i}.txt`, data: `entry ${i}` })));
    const { items, warnings } = run(many, { maxEntries: 10 });
    expect(items).toHaveLength(10);
    expect(warnings).toEqual([{ path: 'app.apk', reason: expect.stringContaining('entry limit (10)') }]);
  });

  it('path-traversal and absolute names are reported and shown sanitized, never with ".."', () => {
    const names = ['../../../../etc/passwd', '/abs/root.txt', 'C:\\Windows\\x.txt', 'a/./b/../c.txt', 'ctl\u0000\u001b[31mred.txt'];
    const { items, warnings } = run(zip(names.map((name) => ({ name, data: PLANTED }))));
    expect(items.map((i) => i.path)).toEqual(['app.apk!/etc/passwd', 'app.apk!/abs/root.txt', 'app.apk!/Windows/x.txt', 'app.apk!/a/b/c.txt', 'app.apk!/ctl[31mred.txt']);
    expect(warnings).toHaveLength(names.length);
    expect(warnings.every((w) => w.reason.startsWith('unsafe entry name'))).toBe(true);
  });

  it('archives nested past maxDepth are skipped with a warning; within it they are read', () => {
    let nest = zip([{ name: 'key.txt', data: PLANTED }]);
    for (let d = 0; d < 5; d++) nest = zip([{ name: `level${d}.zip`, data: nest }]);
    expect(run(nest).items).toEqual([]);
    expect(run(nest).warnings).toEqual([{ path: expect.stringMatching(/^app\.apk(!\/level\d\.zip){4}$/), reason: 'archive nested deeper than 3; skipped' }]);
    const deep = run(nest, { maxDepth: 5 });
    expect(deep.items).toEqual([{ path: 'app.apk!/level4.zip!/level3.zip!/level2.zip!/level1.zip!/level0.zip!/key.txt', text: PLANTED }]);
  });
});

describe('truncated and corrupt archives', () => {
  const good = zip([{ name: 'a.txt', data: 'a'.repeat(2000) + PLANTED }, { name: 'b.txt', data: PLANTED }]);

  it('every truncation point yields warnings, not a throw', () => {
    for (let cut = 0; cut < good.length; cut += 7) {
      const { warnings, items } = run(good.subarray(0, cut));
      for (const i of items) expect(i.text.length).toBeGreaterThan(0);
      if (items.length < 2) expect(warnings.length).toBeGreaterThan(0);
    }
  });

  it('corrupt deflate data and unknown methods are skipped with a warning each', () => {
    const bad = Buffer.from(zip([{ name: 'x.txt', data: 'z'.repeat(500) }, { name: 'y.txt', data: PLANTED, method: 0 }]));
    bad.fill(0xff, 30 + 'x.txt'.length, 30 + 'x.txt'.length + 4); // garble the deflate stream
    const { items, warnings } = run(new Uint8Array(bad));
    expect(warnings).toEqual([{ path: 'app.apk!/x.txt', reason: expect.stringContaining('corrupt deflate data') }]);
    expect(items.map((i) => i.text)).toEqual([PLANTED]);
    const cd = bad.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bad.writeUInt16LE(14, cd + 10); // method 14 (LZMA) in the last central record
    expect(run(new Uint8Array(bad)).warnings.map((w) => w.reason)).toContain('compression method 14 is not supported');
  });
});
