import { entryText } from './entry-text.js';
import { DEFAULT_BUNDLE_LIMITS, type BundleItem, type BundleLimits, type BundleWarn } from './limits.js';
import { isDirectoryName, sanitizeEntryName } from './paths.js';
import { looksLikeZip, readEntry, zipEntries } from './zip.js';

interface Walk {
  readonly limits: BundleLimits;
  readonly warn: BundleWarn;
  entries: number;
  bytesLeft: number;
  stopped: boolean;
}

/**
 * The scannable entries of a bundle (APK, AAB, IPA or any ZIP), depth first, one item per
 * entry that has text, with virtual paths such as `app.apk!/classes.dex` and
 * `app.ipa!/Payload/X.app/Frameworks/Y.framework/Y`. Synchronous: each entry is inflated, turned
 * into text and handed over before the next is touched, so memory holds one entry at a time
 * (plus the archives it is nested in). Never throws on bad input: every skipped item is one
 * `warn` call, and the walk ends early only when a bundle-wide limit is reached.
 */
export function* bundleEntries(bytes: Uint8Array, name: string, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS, warn: BundleWarn = () => {}): Generator<BundleItem> {
  const walk: Walk = { limits, warn, entries: 0, bytesLeft: limits.maxTotalBytes, stopped: false };
  yield* archive(walk, bytes, name, 0);
}

function* archive(w: Walk, bytes: Uint8Array, vpath: string, depth: number): Generator<BundleItem> {
  for (const e of zipEntries(bytes, (reason) => w.warn({ path: vpath, reason }))) {
    if (w.stopped) return;
    if (w.entries >= w.limits.maxEntries) {
      w.stopped = true;
      w.warn({ path: vpath, reason: `entry limit (${w.limits.maxEntries}) reached; the rest of the bundle is not scanned` });
      return;
    }
    w.entries++;
    const clean = sanitizeEntryName(e.name);
    const path = `${vpath}!/${clean.path}`;
    if (clean.changed) w.warn({ path, reason: 'unsafe entry name (absolute path, "..", drive letter, backslash or control character); shown sanitized' });
    if (isDirectoryName(e.name)) continue;
    if (w.bytesLeft <= 0) {
      w.stopped = true;
      w.warn({ path, reason: `total-bytes limit (${w.limits.maxTotalBytes}) reached; the rest of the bundle is not scanned` });
      return;
    }
    const data = readEntry(bytes, e, { maxEntryBytes: w.limits.maxEntryBytes, maxRatio: w.limits.maxRatio, bytesLeft: w.bytesLeft });
    w.bytesLeft -= data.cost;
    if ('skipped' in data) {
      w.warn({ path, reason: data.skipped });
      continue;
    }
    if (looksLikeZip(data.bytes)) {
      if (depth + 1 > w.limits.maxDepth) w.warn({ path, reason: `archive nested deeper than ${w.limits.maxDepth}; skipped` });
      else yield* archive(w, data.bytes, path, depth + 1);
      continue;
    }
    const text = entryText(data.bytes, clean.path, (reason) => w.warn({ path, reason }));
    if (text) yield { path, text };
  }
}
