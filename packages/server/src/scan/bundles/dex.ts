import { startsWith, u32le } from './bytes.js';

/**
 * The string table of a DEX file (https://source.android.com/docs/core/runtime/dex-format):
 * `string_ids` is an array of u32 offsets, each to a `string_data_item` = uleb128 UTF-16 length,
 * then MUTF-8 bytes ending in NUL. Every constant string of the app's code (a hard-coded API key
 * included) is in this table, in one place, whatever the obfuscator did to the names around it.
 *
 * Checksum and signature are not checked: a scanner wants the strings of a tampered file too.
 * Offsets and lengths are bounded by the file; a table whose offsets all point at one long
 * string would make the work quadratic, so decoding stops after 4 × the file size in bytes.
 */
export function isDex(b: Uint8Array): boolean {
  return startsWith(b, 'dex\n') && b.length >= 0x70;
}

export function dexStrings(b: Uint8Array, warn: (reason: string) => void): string[] {
  const count = u32le(b, 56);
  const off = u32le(b, 60);
  if (count === 0) return [];
  if (off < 0x70 || off > b.length) {
    warn('string_ids_off points outside the file; no strings read');
    return [];
  }
  const fits = Math.floor((b.length - off) / 4);
  let n = count;
  if (count > fits) {
    warn(`string_ids_size claims ${count} strings but only ${fits} fit; the rest are skipped`);
    n = fits;
  }
  const out: string[] = new Array<string>(n);
  let budget = 4 * b.length;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const at = u32le(b, off + 4 * i);
    const s = at < 0x70 || at >= b.length ? { cost: 4 } : stringDataItem(b, at, budget);
    budget -= s.cost;
    if (s.text === undefined) bad++;
    out[i] = s.text ?? '';
    if (budget <= 0) {
      warn(`string data decoding budget exhausted after ${i + 1} of ${n} strings (overlapping string offsets); the rest are skipped`);
      out.length = i + 1;
      break;
    }
  }
  if (bad) warn(`${bad} string_data items with bad offsets or encoding were skipped (their lines are empty)`);
  return out;
}

/** A decoded string and the bytes looked at (charged even when the item is bad). */
function stringDataItem(b: Uint8Array, at: number, budget: number): { text?: string; cost: number } {
  // uleb128 utf16_size: at most 5 bytes; only a sanity bound, the NUL ends the string.
  let p = at;
  for (let k = 0; k < 5; k++) {
    if (p >= b.length) return { cost: p - at + 1 };
    if ((b[p++]! & 0x80) === 0) break;
    if (k === 4) return { cost: 5 };
  }
  const end = Math.min(b.length, p + budget);
  const units: number[] = [];
  const parts: string[] = [];
  let i = p;
  while (i < end) {
    const c = b[i]!;
    if (c === 0) return { text: flush(), cost: i - at + 1 };
    if (c < 0x80) {
      units.push(c);
      i++;
    } else if ((c & 0xe0) === 0xc0 && i + 1 < end && (b[i + 1]! & 0xc0) === 0x80) {
      units.push(((c & 0x1f) << 6) | (b[i + 1]! & 0x3f));
      i += 2;
    } else if ((c & 0xf0) === 0xe0 && i + 2 < end && (b[i + 1]! & 0xc0) === 0x80 && (b[i + 2]! & 0xc0) === 0x80) {
      // MUTF-8 encodes each UTF-16 surrogate on its own, so code units come out as they are.
      units.push(((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
      i += 3;
    } else {
      return { cost: i - at + 1 };
    }
    if (units.length >= 4096) parts.push(String.fromCharCode(...units.splice(0)));
  }
  return { cost: i - at + 1 }; // no NUL before the end of the file or the budget

  function flush(): string {
    parts.push(String.fromCharCode(...units));
    return parts.join('');
  }
}
