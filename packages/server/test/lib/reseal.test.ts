import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring, resealStale, resealValue, type SealedRows } from '../../src/lib/sealed.js';

/**
 * The one master-key rotation loop (lib/sealed.ts) that secrets, webhook endpoint secrets and
 * attestation settings share; each service's own test runs it on a real store.
 */
const oldKey = { id: 'old', key: randomBytes(32) };
const newKey = { id: 'new', key: randomBytes(32) };
const before = new Keyring([oldKey]);
const after = new Keyring([newKey, oldKey]);

interface Row { readonly id: string; sealed: string; version: number }

function rowsOf(rows: Row[], conflicts: ReadonlySet<string> = new Set()): SealedRows<Row, string, string> & { pages: (string | undefined)[] } {
  const pages: (string | undefined)[] = [];
  return {
    pages,
    page: async (from, limit) => {
      pages.push(from);
      return rows.filter((r) => from === undefined || r.id > from).slice(0, limit);
    },
    cursor: (r) => r.id,
    resealed: (r) => resealValue(after, r.sealed, `row:${r.id}`),
    write: async (r, sealed) => {
      if (conflicts.has(r.id)) return false; // changed meanwhile: the guarded write loses
      r.sealed = sealed;
      r.version++;
      return true;
    },
  };
}

const id = (i: number) => `row_${String(i).padStart(5, '0')}`;

describe('resealStale', () => {
  it('re-seals every stale value across pages, leaves current ones alone, and counts only what it wrote', async () => {
    // 1,201 rows: three pages of 500; every third already under the new key.
    const rows: Row[] = Array.from({ length: 1201 }, (_, i) => ({ id: id(i), sealed: (i % 3 === 0 ? after : before).seal(`plain ${i}`, `row:${id(i)}`), version: 1 }));
    const current = new Map(rows.filter((_, i) => i % 3 === 0).map((r) => [r.id, r.sealed]));
    const conflicts = new Set([id(1), id(700)]);
    const progress: number[] = [];
    const source = rowsOf(rows, conflicts);

    const result = await resealStale(source, (n) => progress.push(n));

    const stale = 1201 - current.size;
    expect(result).toEqual({ resealed: stale - conflicts.size });
    // Paged from the start, then after the last row of each page, until an empty page.
    expect(source.pages).toEqual([undefined, id(499), id(999), id(1200)]);
    expect(progress).toHaveLength(3);
    expect(progress[2]).toBe(result.resealed);
    expect(progress[0]! < progress[1]! && progress[1]! < progress[2]!).toBe(true);
    for (const [i, r] of rows.entries()) {
      // Every value still opens to what it held, under its own row's context.
      expect(after.open(r.sealed, `row:${r.id}`).toString('utf8')).toBe(`plain ${i}`);
      if (current.has(r.id)) expect(r.sealed).toBe(current.get(r.id)); // not touched
      else if (conflicts.has(r.id)) expect(after.isStale(r.sealed)).toBe(true); // lost its write: the next run takes it
      else expect(after.isStale(r.sealed)).toBe(false);
    }
    // A second run finds only the two that lost their writes.
    expect(await resealStale(rowsOf(rows))).toEqual({ resealed: conflicts.size });
    expect(await resealStale(rowsOf(rows))).toEqual({ resealed: 0 });
  });

  it('resealValue is undefined for a value already under the active key, and keeps the context binding', () => {
    const fresh = after.seal('x', 'row:a');
    expect(resealValue(after, fresh, 'row:a')).toBeUndefined();
    const stale = before.seal('x', 'row:a');
    const resealed = resealValue(after, stale, 'row:a')!;
    expect(resealed.split('.')[1]).toBe('new');
    expect(after.open(resealed, 'row:a').toString('utf8')).toBe('x');
    // Sealed for its own row: another row's context does not open it, and a wrong one does not reseal.
    expect(() => after.open(resealed, 'row:b')).toThrow();
    expect(() => resealValue(after, stale, 'row:b')).toThrow();
  });
});
