import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import { errorOf, runCli } from '../cli/run-in-process.js';
import { CLI, makeKeyward } from '../helpers.js';
import { FAKE_SECRETS } from './fake-secrets.js';

const base = mkdtempSync(path.join(tmpdir(), 'kw-scan-cli-'));
const GH = FAKE_SECRETS['github-token']!;
const NO_TTY = { CI: 'true' };

function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(base, name);
  for (const [f, c] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), c);
  }
  return dir;
}

interface Report {
  findings: { ruleId: string; path: string; line: number; redacted: string; fingerprint: string; status?: string; keyId?: string }[];
  stats: { files: number; suppressed: number };
}

describe('keyward scan: exit codes and output', () => {
  const dirty = tree('dirty', { 'src/a.ts': `const x = 1;\n${GH.line}\n`, 'README.md': '# hi\n' });
  const clean = tree('clean', { 'src/a.ts': 'const x = 1;\n' });

  it('exit 0 on a clean tree, 1 with findings; the report never holds the secret', async () => {
    expect((await runCli(['scan', clean], NO_TTY)).code).toBe(0);
    const out = await runCli(['scan', dirty], NO_TTY);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('src/a.ts:2:10  github-token  ghp_');
    expect(out.stdout + out.stderr).not.toContain(GH.secret);
  });

  it('--json: findings with path, line, rule, redacted match and fingerprint', async () => {
    const out = await runCli(['scan', dirty, '--json'], NO_TTY);
    expect(out.code).toBe(1);
    const doc = JSON.parse(out.stdout) as Report;
    expect(doc.findings).toEqual([expect.objectContaining({ ruleId: 'github-token', path: path.join(dirty, 'src/a.ts'), line: 2, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(out.stdout).not.toContain(GH.secret);
  });

  it('--format sarif --output FILE writes SARIF 2.1.0 with rules, results, locations and fingerprints', async () => {
    const file = path.join(base, 'out.sarif');
    const out = await runCli(['scan', dirty, '--format', 'sarif', '--output', file], NO_TTY);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    const sarif = JSON.parse(readFileSync(file, 'utf8')) as {
      version: string;
      $schema: string;
      runs: { tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string } }[] } }; results: { ruleId: string; ruleIndex: number; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[]; partialFingerprints: Record<string, string> }[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toContain('github-token');
    const result = run.results[0]!;
    expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    expect(result.locations[0]!.physicalLocation.region).toEqual({ startLine: 2, startColumn: 10 });
    expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/src\/a\.ts$/);
    expect(Object.values(result.partialFingerprints)[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8')).not.toContain(GH.secret);
  });

  it('--baseline: accepted findings (stored as hashes only) are suppressed, new ones are not', async () => {
    const baseline = path.join(base, 'baseline.json');
    expect((await runCli(['scan', dirty, '--baseline', baseline, '--update-baseline'], NO_TTY)).code).toBe(0);
    const text = readFileSync(baseline, 'utf8');
    expect(text).not.toContain(GH.secret);
    expect(JSON.parse(text)).toEqual({ version: 1, fingerprints: [expect.stringMatching(/^[0-9a-f]{64}$/)] });
    const again = await runCli(['scan', dirty, '--baseline', baseline, '--json'], NO_TTY);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as Report).stats.suppressed).toBe(1);
    writeFileSync(path.join(dirty, 'new.env'), FAKE_SECRETS['npm-token']!.line);
    const fresh = await runCli(['scan', dirty, '--baseline', baseline, '--json'], NO_TTY);
    expect(fresh.code).toBe(1);
    expect((JSON.parse(fresh.stdout) as Report).findings.map((f) => f.ruleId)).toEqual(['npm-token']);
    rmSync(path.join(dirty, 'new.env'));
  });

  it.each([
    ['a missing path', ['scan', path.join(base, 'missing')], 'SCAN_INPUT_INVALID'],
    ['a bad rule file', ['scan', '.', '--rules', path.join(base, 'missing.toml')], 'SCAN_RULES_INVALID'],
    ['a broken baseline', ['scan', '.', '--baseline', path.join(base, 'dirty/README.md')], 'SCAN_INPUT_INVALID'],
    ['--git outside a repository', ['scan', '--git', base], 'SCAN_INPUT_INVALID'],
    ['an unknown format', ['scan', '.', '--format', 'xml'], 'VALIDATION_FAILED'],
    ['--verify without --server', ['scan', '.', '--verify'], 'VALIDATION_FAILED'],
  ])('%s exits 2 with a code', async (_name, args, code) => {
    const out = await runCli([...args, '--json'], NO_TTY);
    expect(out.code).toBe(2);
    expect(errorOf(out.stderr).code).toBe(code);
  });

  it('--git reports the commit; install-hook writes the hook; --staged scans the index', async () => {
    const repo = tree('repo', { 'a.env': `${GH.line}\n` });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'leak');
    const sha = git('rev-parse', 'HEAD').trim();
    rmSync(path.join(repo, 'a.env'));
    git('commit', '-qam', 'remove');
    const out = await runCli(['scan', '--git', repo, '--json'], NO_TTY);
    expect(out.code).toBe(1);
    expect((JSON.parse(out.stdout) as { findings: { commit: string; path: string }[] }).findings).toEqual([expect.objectContaining({ commit: sha, path: 'a.env' })]);
    expect((await runCli(['scan', repo], NO_TTY)).code).toBe(0);
    const hook = await runCli(['scan', 'install-hook', repo, '--json'], NO_TTY);
    expect(hook.code).toBe(0);
    expect(readFileSync((JSON.parse(hook.stdout) as { hook: string }).hook, 'utf8')).toContain('keyward scan --staged');
    writeFileSync(path.join(repo, 'b.env'), `${GH.line}\n`);
    expect((await runCli(['scan', '--staged', repo], NO_TTY)).code).toBe(0);
    git('add', 'b.env');
    expect((await runCli(['scan', '--staged', repo], NO_TTY)).code).toBe(1);
  });

  it('no progress line when not on a terminal', async () => {
    const out = await runCli(['scan', dirty], NO_TTY);
    expect(out.stderr).not.toContain('scanning');
  });
});

describe('keyward scan --verify / --revoke against a running server', () => {
  let kw: Awaited<ReturnType<typeof makeKeyward>>['kw'];
  let server: Server;
  let url: string;
  let root: string;
  const keys: Record<string, string> = {};
  let dir: string;
  beforeAll(async () => {
    ({ kw } = await makeKeyward());
    server = await buildServer(kw);
    url = await server.listen({ port: 0, host: '127.0.0.1' });
    root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'ops' }, CLI)).secret;
    const app = await kw.apps.create({ name: 'shop' }, CLI);
    keys.active = (await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'leaky' }, CLI)).secret;
    const revoked = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'old' }, CLI);
    await kw.keys.revoke(revoked.key.id, 'old', CLI);
    keys.revoked = revoked.secret;
    // A well-formed key with a valid checksum that this server never issued.
    const { generateKey } = await import('@keyward/protocol');
    keys.unknown = generateKey('secret', 'test');
    dir = tree('verify', { 'a.env': `A=${keys.active}\nB=${keys.revoked}\nC=${keys.unknown}\n` });
  });
  afterAll(async () => {
    await server.close();
    await kw.close();
    rmSync(base, { recursive: true, force: true });
  });

  const statuses = (stdout: string) => (JSON.parse(stdout) as Report).findings.map((f) => f.status);

  it('--verify reports active, revoked and unknown; the root key comes from KEYWARD_ROOT_KEY', async () => {
    const out = await runCli(['scan', dir, '--verify', '--server', url, '--json'], { ...NO_TTY, KEYWARD_ROOT_KEY: root });
    expect(out.code).toBe(1);
    expect(statuses(out.stdout)).toEqual(['active', 'revoked', 'unknown']);
    const noKey = await runCli(['scan', dir, '--verify', '--server', url, '--json'], { ...NO_TTY, KEYWARD_ROOT_KEY: undefined });
    expect(noKey.code).toBe(2);
    expect(errorOf(noKey.stderr).detail).toContain('KEYWARD_ROOT_KEY');
  });

  it('--revoke refuses to act without a terminal or --yes, and revokes the active key with --yes', async () => {
    const asked = await runCli(['scan', dir, '--revoke', '--server', url, '--json'], { ...NO_TTY, KEYWARD_ROOT_KEY: root });
    expect(asked.code).toBe(2);
    expect((await kw.verifier.verify(keys.active!, {})).valid).toBe(true);
    const out = await runCli(['scan', dir, '--revoke', '--yes', '--server', url, '--json'], { ...NO_TTY, KEYWARD_ROOT_KEY: root });
    expect(out.code).toBe(1);
    expect(statuses(out.stdout)).toEqual(['revoked', 'revoked', 'unknown']);
    const again = await runCli(['scan', dir, '--verify', '--server', url, '--json'], { ...NO_TTY, KEYWARD_ROOT_KEY: root });
    expect(statuses(again.stdout)).toEqual(['revoked', 'revoked', 'unknown']);
  });
});
