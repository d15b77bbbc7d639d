import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KeywardError } from '../errors/keyward-error.js';
import { git } from './sources/git-process.js';

/** The line that marks a hook as ours, so reinstalling over it is safe and a foreign one is kept. */
export const HOOK_MARKER = '# keyward-scan pre-commit hook';

export const HOOK_SCRIPT = `#!/bin/sh
${HOOK_MARKER} (written by \`keyward scan install-hook\`; remove this file to uninstall)
# Scans what is about to be committed (the index); a finding stops the commit (exit 1).
if command -v keyward >/dev/null 2>&1; then
  exec keyward scan --staged
fi
exec npx --no-install keyward scan --staged
`;

/**
 * Writes the repository's pre-commit hook. A hook that Keyward did not write is never replaced
 * without `force` (SCAN_HOOK_EXISTS): it may be a team's own checks. Returns the hook's path.
 */
export async function installHook(repo: string, force: boolean): Promise<{ path: string; replaced: boolean }> {
  const hooksDir = (await git(repo, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks'])).toString('utf8').trim();
  const file = path.join(hooksDir, 'pre-commit');
  let existing: string | undefined;
  try {
    existing = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing !== undefined && !existing.includes(HOOK_MARKER) && !force) {
    throw new KeywardError('SCAN_HOOK_EXISTS', `${file} exists and was not written by keyward; pass --force to replace it`);
  }
  await mkdir(hooksDir, { recursive: true });
  await writeFile(file, HOOK_SCRIPT);
  await chmod(file, 0o755);
  return { path: file, replaced: existing !== undefined };
}
