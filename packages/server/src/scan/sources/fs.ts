import { lstat, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Warn } from '../types.js';
import type { SourceFile, SourceLimits } from './source.js';

/** Directories never descended into: VCS metadata and installed dependencies are not your code. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules']);

/**
 * Every regular file under the given paths (files or directories), depth first in name order so
 * runs are reproducible. Symlinks are not followed (a link can point out of the tree or into a
 * loop); special files, unreadable entries and files over the size cap are skipped with a warning.
 * A path that does not exist is an error for the caller (thrown), not a warning.
 */
export async function* walkFiles(roots: readonly string[], limits: SourceLimits, warn: Warn): AsyncGenerator<SourceFile> {
  for (const root of roots) {
    const st = await stat(root); // a root given by name is followed if a link; ENOENT propagates: a typo in the path must not read as "clean"
    if (st.isDirectory()) {
      const norm = path.join(root);
      const base = norm === '.' ? '' : norm.endsWith(path.sep) ? norm : `${norm}${path.sep}`;
      for await (const f of walkDir(root, limits, warn)) yield { ...f, base };
    } else {
      yield* readOne(root, st, limits, warn);
    }
  }
}

async function* walkDir(dir: string, limits: SourceLimits, warn: Warn): AsyncGenerator<SourceFile> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    warn(dir, `directory skipped: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) yield* walkDir(full, limits, warn);
    } else if (e.isFile()) {
      yield* readOne(full, undefined, limits, warn);
    } else if (e.isSymbolicLink()) {
      warn(full, 'symbolic link not followed');
    } else {
      warn(full, 'not a regular file, skipped');
    }
  }
}

const BUNDLE_NAME = /\.(apk|aab|ipa|apks|xapk)$/i;
/** The largest app bundle read (docs/scan-bundles.md). */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

async function* readOne(file: string, known: { size: number; isFile(): boolean } | undefined, limits: SourceLimits, warn: Warn): AsyncGenerator<SourceFile> {
  try {
    const st = known ?? (await lstat(file));
    if (!st.isFile()) {
      warn(file, 'not a regular file, skipped');
      return;
    }
    // App bundles are read whole (the extractor bounds what it inflates): a store build is often far above the text-file cap.
    const cap = BUNDLE_NAME.test(file) ? Math.max(limits.maxFileBytes, MAX_BUNDLE_BYTES) : limits.maxFileBytes;
    if (st.size > cap) {
      warn(file, `larger than ${cap} bytes, skipped`);
      return;
    }
    // Read at most the cap even if the file grew since stat (no unbounded read).
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(st.size, cap) + 1);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      if (bytesRead > cap) {
        warn(file, `larger than ${cap} bytes, skipped`);
        return;
      }
      yield { path: file, bytes: buf.subarray(0, bytesRead) };
    } finally {
      await handle.close();
    }
  } catch (err) {
    warn(file, `file skipped: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}
