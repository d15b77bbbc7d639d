/**
 * Mobile bundles for `keyward scan`: which files are bundles, and the text of their entries.
 * See docs/scan-bundles.md ("App bundles") for the formats and the limits.
 */
import { u16le } from './bytes.js';
import { looksLikeZip } from './zip.js';

export { bundleEntries } from './extract.js';
export { DEFAULT_BUNDLE_LIMITS, RATIO_FREE_BYTES, type BundleItem, type BundleLimits, type BundleWarn } from './limits.js';

export type BundleKind = 'apk' | 'aab' | 'ipa' | 'zip';

/**
 * The kind of bundle a file is, from its first bytes (at least the 30-byte local header plus the
 * first name, ~300 bytes, for content sniffing) and its name; `undefined` if it is not a ZIP.
 * The extension decides when it names a bundle; otherwise the first entry does
 * (`AndroidManifest.xml` → apk, `Payload/` → ipa, `base/` or `BundleConfig.pb` → aab).
 */
export function bundleKind(name: string, head: Uint8Array): BundleKind | undefined {
  if (!looksLikeZip(head)) return undefined;
  const ext = /\.([A-Za-z]+)$/.exec(name)?.[1]?.toLowerCase();
  if (ext === 'apk' || ext === 'aab' || ext === 'ipa') return ext;
  const nameLen = u16le(head, 26);
  const first = nameLen > 0 && 30 + nameLen <= head.length ? Buffer.from(head.buffer, head.byteOffset + 30, nameLen).toString('latin1') : '';
  if (first === 'AndroidManifest.xml' || first === 'classes.dex') return 'apk';
  if (first.startsWith('Payload/')) return 'ipa';
  if (first === 'BundleConfig.pb' || first.startsWith('base/')) return 'aab';
  return 'zip';
}
