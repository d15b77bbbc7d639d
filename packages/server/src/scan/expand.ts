import { bundleEntries, bundleKind, DEFAULT_BUNDLE_LIMITS } from './bundles/index.js';
import type { ScanText, Warn } from './types.js';

/**
 * The one door from bytes to scanned text: every source (fs, git, staged) routes each file
 * through `expand`. Text files are yielded as they are; binary files are skipped with a warning.
 * Mobile bundles and other ZIP archives (APK, AAB, IPA) go to the bundle extractor
 * (scan/bundles/), which yields the same `{path, text}` shape for every entry it decodes
 * (`app.apk!/classes.dex`), within its limits.
 */
export function expand(file: { readonly path: string; readonly bytes: Uint8Array }, warn: Warn): Iterable<ScanText> | AsyncIterable<ScanText> {
  if (bundleKind(file.path, file.bytes.subarray(0, 512))) return bundleEntries(file.bytes, file.path, DEFAULT_BUNDLE_LIMITS, (w) => warn(w.path, w.reason));
  if (isBinary(file.bytes)) {
    warn(file.path, 'binary file skipped');
    return [];
  }
  return [{ path: file.path, text: decodeText(file.bytes) }];
}

const SNIFF_BYTES = 8192;
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/**
 * Git's heuristic (a NUL in the first 8 KiB), plus a share of control bytes: random binary garbage
 * without a NUL still reads as binary. UTF-16 text (NULs between ASCII) is treated as binary too.
 */
export function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32) || b === 127) control++;
  }
  return n > 0 && control / n > 0.1;
}

/** Invalid UTF-8 becomes U+FFFD, so a stray byte never stops a file from being scanned. */
export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
