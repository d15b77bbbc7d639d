import type { Warn } from '../types.js';
import { CatFile, git, zTokens } from './git-process.js';
import type { SourceFile, SourceLimits } from './source.js';

const NULL_SHA = /^0+$/;
const SUBMODULE_MODE = '160000';

/**
 * `--git`: every blob reachable from all refs, each once, with the commit that introduced it.
 * History is walked oldest first (`--reverse --date-order`, `-m` so merges that resolve a conflict
 * count, `--root` so the first commit does), so the first time a blob is seen is its oldest
 * commit; the caller reports each secret once by fingerprint, which then keeps the oldest too.
 * Memory: the set of blob ids seen, and one blob at a time.
 */
export async function* gitHistory(repo: string, limits: SourceLimits, warn: Warn): AsyncGenerator<SourceFile> {
  await git(repo, ['rev-parse', '--git-dir']); // not a repository → SCAN_INPUT_INVALID
  const seen = new Set<string>();
  const cat = new CatFile(repo, limits.maxFileBytes);
  try {
    let commit = '';
    let meta: string | null = null;
    for await (const raw of zTokens(repo, ['log', '--all', '--reverse', '--date-order', '--format=commit %H', '--raw', '--no-abbrev', '--no-renames', '-m', '--root', '-z'])) {
      const token = raw.replace(/^\n+/, '');
      if (meta !== null) {
        const path = token;
        const [, mode = '', , sha = ''] = meta.slice(1).split(' ');
        meta = null;
        if (mode === SUBMODULE_MODE || NULL_SHA.test(sha) || seen.has(sha)) continue;
        seen.add(sha);
        const obj = await cat.get(sha);
        if ('missing' in obj) {
          warn(path, `blob ${sha.slice(0, 12)} missing from the object store, skipped`);
          continue;
        }
        if (obj.bytes === null) {
          warn(`${path}@${commit.slice(0, 12)}`, `larger than ${limits.maxFileBytes} bytes, skipped`);
          continue;
        }
        yield { path, bytes: obj.bytes, commit };
      } else if (token.startsWith('commit ')) {
        commit = token.slice(7).trim();
      } else if (token.startsWith(':')) {
        meta = token;
      }
    }
  } finally {
    cat.close();
  }
}

/**
 * `--staged`: the index's version of each added, copied, modified or renamed file, what a
 * pre-commit hook must check (the work tree may differ from what is being committed).
 */
export async function* gitStaged(repo: string, limits: SourceLimits, warn: Warn): AsyncGenerator<SourceFile> {
  const names = (await git(repo, ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMRT'])).toString('utf8').split('\0').filter(Boolean);
  if (names.length === 0) return;
  const top = (await git(repo, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
  const cat = new CatFile(top, limits.maxFileBytes);
  try {
    for (const name of names) {
      const obj = await cat.get(`:${name}`);
      if ('missing' in obj) {
        warn(name, 'not in the index (submodule or unusual name), skipped');
        continue;
      }
      if (obj.type !== 'blob') continue;
      if (obj.bytes === null) {
        warn(name, `larger than ${limits.maxFileBytes} bytes, skipped`);
        continue;
      }
      yield { path: name, bytes: obj.bytes };
    }
  } finally {
    cat.close();
  }
}
