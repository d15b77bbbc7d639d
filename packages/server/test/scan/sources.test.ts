import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOOK_MARKER, installHook } from '../../src/scan/hook.js';
import { buildRules } from '../../src/scan/rules/index.js';
import { runScan } from '../../src/scan/run.js';
import { walkFiles } from '../../src/scan/sources/fs.js';
import { gitHistory, gitStaged } from '../../src/scan/sources/git.js';
import { FAKE_SECRETS } from './fake-secrets.js';

const base = mkdtempSync(path.join(tmpdir(), 'kw-scan-src-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const rules = buildRules([], () => {});
const limits = { maxFileBytes: 1024 * 1024 };
const GH = FAKE_SECRETS['github-token']!;
const NPM = FAKE_SECRETS['npm-token']!;
const STRIPE = FAKE_SECRETS['stripe-secret-key']!;

function repo(name: string): { dir: string; git: (...args: string[]) => string; commit: (files: Record<string, string>, msg: string, date: string) => string } {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { env, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  const commit = (files: Record<string, string>, msg: string, date: string) => {
    for (const [f, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      if (content === '') rmSync(path.join(dir, f));
      else writeFileSync(path.join(dir, f), content);
    }
    git('add', '-A');
    execFileSync('git', ['-C', dir, 'commit', '-qm', msg], { env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
    return git('rev-parse', 'HEAD').trim();
  };
  return { dir, git, commit };
}

describe('file system source', () => {
  it('walks directories in name order, skips .git, node_modules, links and binaries with warnings', async () => {
    const dir = path.join(base, 'fs');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
    writeFileSync(path.join(dir, 'src/b.ts'), `// b\n${GH.line}\n`);
    writeFileSync(path.join(dir, 'src/a.env'), NPM.line);
    writeFileSync(path.join(dir, 'node_modules/x/i.js'), STRIPE.line);
    writeFileSync(path.join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
    writeFileSync(path.join(dir, 'big.txt'), 'a'.repeat(limits.maxFileBytes + 1));
    symlinkSync('/etc/passwd', path.join(dir, 'link'));
    const r = await runScan((warn) => walkFiles([dir], limits, warn), { rules });
    expect(r.findings.map((f) => [path.relative(dir, f.path), f.line, f.ruleId])).toEqual([
      ['src/a.env', 1, 'npm-token'],
      ['src/b.ts', 2, 'github-token'],
    ]);
    expect(r.warnings.map((w) => [path.relative(dir, w.path), w.message.split(' ')[0]]).sort()).toEqual([
      ['big.txt', 'larger'],
      ['link', 'symbolic'],
      ['logo.png', 'binary'],
    ]);
  });

  it('a path that does not exist is an error, not a clean scan', async () => {
    await expect(runScan((warn) => walkFiles([path.join(base, 'nope')], limits, warn), { rules })).rejects.toThrow();
  });
});

describe('--git history', () => {
  it('finds secrets deleted since, each once, with the oldest commit that added it', async () => {
    const { dir, git, commit } = repo('hist');
    const first = commit({ 'config/.env': `${GH.line}\n` }, 'add env', '2024-01-01T00:00:00Z');
    commit({ 'config/.env': 'GH_TOKEN=\n', 'copy.txt': `${GH.line}\n` }, 'move token', '2024-01-02T00:00:00Z');
    git('checkout', '-q', '-b', 'feature');
    const onBranch = commit({ 'pay.ts': `${STRIPE.line}\n` }, 'stripe on a branch', '2024-01-03T00:00:00Z');
    git('checkout', '-q', 'main');
    commit({ 'copy.txt': '' }, 'remove copy', '2024-01-04T00:00:00Z');
    const r = await runScan((warn) => gitHistory(dir, limits, warn), { rules, oncePerSecret: true });
    expect(r.findings.map((f) => [f.ruleId, f.path, f.commit])).toEqual([
      ['github-token', 'config/.env', first],
      ['stripe-secret-key', 'pay.ts', onBranch],
    ]);
    expect(r.warningCount).toBe(0);
  });

  it('a directory that is not a repository is SCAN_INPUT_INVALID', async () => {
    const dir = path.join(base, 'plain');
    mkdirSync(dir);
    await expect(runScan((warn) => gitHistory(dir, limits, warn), { rules })).rejects.toMatchObject({ code: 'SCAN_INPUT_INVALID' });
  });
});

describe('--staged and install-hook', () => {
  it('scans the index version of staged files, not the work tree', async () => {
    const { dir, git, commit } = repo('staged');
    commit({ 'README.md': 'hello\n' }, 'init', '2024-01-01T00:00:00Z');
    writeFileSync(path.join(dir, 'app.ts'), `${NPM.line}\n`);
    git('add', 'app.ts');
    writeFileSync(path.join(dir, 'app.ts'), 'clean now\n'); // the work tree differs from what is committed
    writeFileSync(path.join(dir, 'unstaged.ts'), `${GH.line}\n`);
    const r = await runScan((warn) => gitStaged(dir, limits, warn), { rules });
    expect(r.findings.map((f) => [f.path, f.ruleId])).toEqual([['app.ts', 'npm-token']]);
  });

  it('install-hook writes an executable hook, reinstalls over its own, refuses a foreign one without force', async () => {
    const { dir } = repo('hook');
    const { path: hook, replaced } = await installHook(dir, false);
    expect(replaced).toBe(false);
    expect(readFileSync(hook, 'utf8')).toContain(HOOK_MARKER);
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    expect((await installHook(dir, false)).replaced).toBe(true);
    writeFileSync(hook, '#!/bin/sh\nnpm run lint\n');
    chmodSync(hook, 0o755);
    await expect(installHook(dir, false)).rejects.toMatchObject({ code: 'SCAN_HOOK_EXISTS' });
    expect(readFileSync(hook, 'utf8')).toContain('npm run lint');
    await installHook(dir, true);
    expect(readFileSync(hook, 'utf8')).toContain(HOOK_MARKER);
  });
});
