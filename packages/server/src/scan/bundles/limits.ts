/**
 * Bounds for unpacking one mobile bundle. Every archive a scanner opens was made by someone else,
 * possibly to exhaust it (a zip bomb, a million empty entries, archives nested without end), so
 * each of these is checked *before* the work it bounds, and inflating stops at the first byte past
 * a limit instead of inflating fully and measuring afterwards.
 */
export interface BundleLimits {
  /** Entries looked at across the bundle and every archive nested in it. Default 100 000 (large apps ship ~30 000). */
  readonly maxEntries: number;
  /** Uncompressed bytes produced across the bundle and its nested archives. Default 1 GiB. */
  readonly maxTotalBytes: number;
  /** Uncompressed bytes of one entry. Default 256 MiB (a Flutter `libapp.so` or a big `classes.dex` fits). */
  readonly maxEntryBytes: number;
  /**
   * Uncompressed ÷ compressed size of one entry, checked once an entry is past
   * {@link RATIO_FREE_BYTES}. Default 100: DEX and native code deflate about 3:1, text about 10:1;
   * a bomb is at 1000:1.
   */
  readonly maxRatio: number;
  /** Archives inside archives (an `.aar` in an `.apk`, a `.zip` in `assets/`). Default 3. */
  readonly maxDepth: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxEntries: 100_000,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxEntryBytes: 256 * 1024 * 1024,
  maxRatio: 100,
  maxDepth: 3,
});

/**
 * An entry may inflate to this many bytes whatever its ratio: a 40-byte deflate of a 1 MiB run
 * of spaces is legal, harmless, and common in padded resources.
 */
export const RATIO_FREE_BYTES = 1024 * 1024;

/** One skipped or repaired item: `path` is the virtual path (`app.apk!/classes.dex`). */
export type BundleWarn = (w: { path: string; reason: string }) => void;

/** One extracted entry: `text` holds its strings one per line, so a line number is a string index (from 1). */
export interface BundleItem {
  readonly path: string;
  readonly text: string;
}
