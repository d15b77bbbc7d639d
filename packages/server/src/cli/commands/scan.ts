import { readFile, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { KeywardError, isKeywardError } from '../../errors/keyward-error.js';
import { readBaseline, writeBaseline } from '../../scan/baseline.js';
import { installHook } from '../../scan/hook.js';
import { createProgress, QUIET } from '../../scan/progress.js';
import { jsonReport, textReport, warningLines, type Verification } from '../../scan/report/view.js';
import { sarifReport } from '../../scan/report/sarif.js';
import { buildRules } from '../../scan/rules/index.js';
import { runScan, type ScanResult } from '../../scan/run.js';
import { walkFiles } from '../../scan/sources/fs.js';
import { gitHistory, gitStaged } from '../../scan/sources/git.js';
import { DEFAULT_MAX_FILE_BYTES, type SourceFile } from '../../scan/sources/source.js';
import { revokeKeys, serverTarget, verifyKeys } from '../../scan/verify.js';
import type { GlobalOptions } from '../context.js';
import { int } from '../flags.js';

interface ScanOptions {
  staged?: boolean;
  git?: boolean;
  rules: string[];
  format?: string;
  output?: string;
  baseline?: string;
  updateBaseline?: boolean;
  maxFileBytes: number;
  verify?: boolean;
  revoke?: boolean;
  yes?: boolean;
  server?: string;
  progress: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const FORMATS = ['text', 'json', 'sarif'] as const;
function format(v: string): string {
  if (!(FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError('must be text, json or sarif');
  return v;
}

/**
 * `keyward scan [PATH…]`: exit 0 clean, 1 findings, 2 error (every error, including unexpected
 * ones, so a CI step never mistakes a crash for "clean" or for a finding).
 */
export function scanCommand(program: Command): void {
  const scan = program
    .command('scan')
    .description('Find leaked credentials in files, staged changes or git history (exit 0 clean, 1 findings, 2 error)')
    .argument('[paths...]', 'files and directories to scan (default: the current directory); with --git or --staged, the repository')
    .option('--staged', 'scan the staged version of changed files (for a pre-commit hook)')
    .option('--git', 'scan every blob reachable from all refs, each secret once with the oldest commit that added it')
    .option('--rules <file>', 'gitleaks TOML rule file (repeatable); replaces the built-in rules unless it says [extend] useDefault = true', collect, [])
    .option('--format <format>', 'text, json or sarif (--json is the same as --format json)', format)
    .option('--output <file>', 'write the report to this file instead of stdout')
    .option('--baseline <file>', 'ignore findings whose fingerprint this file lists (hashes only, never secrets)')
    .option('--update-baseline', 'add every current finding to the --baseline file and exit 0')
    .option('--max-file-bytes <n>', `skip files larger than this, with a warning (default ${DEFAULT_MAX_FILE_BYTES})`, int(1), DEFAULT_MAX_FILE_BYTES)
    .option('--verify', `ask a Keyward server (--server, root key in $KEYWARD_ROOT_KEY) whether each Keyward key found is active, revoked or unknown`)
    .option('--revoke', 'after --verify, revoke the active keys found (asks first; --yes skips the question)')
    .option('--yes', 'do not ask before --revoke')
    .option('--server <url>', 'the Keyward server for --verify and --revoke')
    .option('--no-progress', 'no progress line (it is shown only on a terminal and never when CI is set)')
    .action(async (paths: string[], opts: ScanOptions, cmd: Command) => {
      try {
        process.exitCode = await runScanCommand(paths, opts, cmd.optsWithGlobals<GlobalOptions>());
      } catch (err) {
        // Exit code 2 for every error: unexpected ones are wrapped so error-output.ts maps them to 2 too.
        throw isKeywardError(err) ? err : new KeywardError('INTERNAL', `scan failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  scan
    .command('install-hook')
    .description('Install a git pre-commit hook that runs `keyward scan --staged`')
    .argument('[repo]', 'the repository (default: the current directory)', '.')
    .option('--force', 'replace a pre-commit hook that keyward did not write')
    .action(async (repo: string, opts: { force?: boolean }, cmd: Command) => {
      const { path, replaced } = await installHook(repo, Boolean(opts.force));
      if (cmd.optsWithGlobals<GlobalOptions>().json) process.stdout.write(`${JSON.stringify({ hook: path, replaced })}\n`);
      else process.stdout.write(`installed ${path}${replaced ? ' (replaced the previous keyward hook)' : ''}\n`);
    });
}

async function runScanCommand(paths: string[], opts: ScanOptions, globals: GlobalOptions): Promise<number> {
  if (opts.staged && opts.git) throw new KeywardError('VALIDATION_FAILED', '--staged and --git cannot be combined');
  if (opts.revoke && !opts.verify) opts.verify = true;
  if (opts.updateBaseline && !opts.baseline) throw new KeywardError('VALIDATION_FAILED', '--update-baseline needs --baseline FILE');
  const fmt = opts.format ?? (globals.json ? 'json' : 'text');
  const roots = paths.length ? paths : ['.'];
  if ((opts.staged || opts.git) && roots.length > 1) throw new KeywardError('VALIDATION_FAILED', '--staged and --git take one repository path');
  for (const r of roots) {
    try {
      await stat(r);
    } catch {
      throw new KeywardError('SCAN_INPUT_INVALID', `${r}: no such file or directory`);
    }
  }
  const target = opts.verify ? serverTarget(opts.server, process.env) : undefined;
  const ruleWarnings: string[] = [];
  const ruleFiles = await Promise.all(
    opts.rules.map(async (file) => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch {
        throw new KeywardError('SCAN_RULES_INVALID', `${file}: the rule file cannot be read`);
      }
    }),
  );
  const rules = buildRules(ruleFiles, (p, m) => ruleWarnings.push(`warning: ${p}: ${m}\n`));
  for (const w of ruleWarnings) process.stderr.write(w);
  const baseline = opts.baseline ? await readBaseline(opts.baseline, Boolean(opts.updateBaseline)) : undefined;
  const limits = { maxFileBytes: opts.maxFileBytes };
  const source = (warn: (p: string, m: string) => void): AsyncIterable<SourceFile> =>
    opts.git ? gitHistory(roots[0]!, limits, warn) : opts.staged ? gitStaged(roots[0]!, limits, warn) : walkFiles(roots, limits, warn);
  const progress = opts.progress ? createProgress(process.stderr) : QUIET;
  let result: ScanResult;
  try {
    result = await runScan(source, { rules, ...(baseline && !opts.updateBaseline ? { baseline } : {}), oncePerSecret: Boolean(opts.git), onProgress: progress.update });
  } finally {
    progress.done();
  }
  if (opts.updateBaseline) {
    await writeBaseline(opts.baseline!, [...(baseline ?? []), ...result.findings.map((f) => f.fingerprint)]);
    process.stderr.write(`baseline ${opts.baseline}: ${result.findings.length} finding(s) accepted\n`);
    return 0;
  }
  let verified: Map<string, Verification> | undefined;
  if (target) {
    verified = await verifyKeys(target, result.findings);
    if (opts.revoke) await maybeRevoke(target, verified, Boolean(opts.yes));
  }
  const report = fmt === 'sarif' ? sarifReport(result, rules, verified) : fmt === 'json' ? jsonReport(result, verified) : textReport(result, verified);
  if (fmt === 'text') process.stderr.write(warningLines(result));
  if (opts.output) await writeFile(opts.output, report);
  else process.stdout.write(report);
  return result.findings.length > 0 ? 1 : 0;
}

async function maybeRevoke(target: ReturnType<typeof serverTarget>, verified: Map<string, Verification>, yes: boolean): Promise<void> {
  const active = [...new Set([...verified.values()].filter((v) => v.status === 'active').map((v) => v.keyId))];
  if (active.length === 0) {
    process.stderr.write('no active Keyward keys found: nothing to revoke\n');
    return;
  }
  if (!yes) {
    if (!process.stdin.isTTY) throw new KeywardError('VALIDATION_FAILED', '--revoke asks for confirmation on a terminal; pass --yes to revoke without asking');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`revoke ${active.length} active key${active.length === 1 ? '' : 's'} (${active.join(', ')})? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('not revoked\n');
      return;
    }
  }
  const revoked = await revokeKeys(target, verified, 'leaked: found by keyward scan');
  for (const [fp, v] of verified) if (v.keyId && revoked.includes(v.keyId)) verified.set(fp, { ...v, status: 'revoked' });
  process.stderr.write(`revoked ${revoked.length} key${revoked.length === 1 ? '' : 's'}: ${revoked.join(', ')}\n`);
}
