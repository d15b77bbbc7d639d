/**
 * `npm run mutation [-- <module> …]`: StrykerJS over the security-critical modules, one module
 * at a time. Each module is its own `stryker run --mutate …`, so a run is bounded on a small
 * machine and a failure names the module; the JSON report of each is kept as
 * reports/mutation/<module>.json and a table of scores is printed at the end (the numbers
 * docs/quality.md records). Exit code 1 if any module scores below the 90% the issue requires.
 * `npm run mutation -- --table [<module> …]` prints that table again from the kept reports.
 *
 * Score = (killed + timeout) / (killed + timeout + survived + no coverage), Stryker's own
 * definition; compile and runtime errors are not valid mutants and do not count.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_SCORE_PERCENT = 90;

const MODULES: Record<string, readonly string[]> = {
  keys: ['packages/server/src/keys/decide.ts', 'packages/server/src/keys/verifier.ts'],
  signatures: ['packages/server/src/signatures/verify.ts', 'packages/server/src/signatures/scheme.ts'],
  'message-signatures': [
    'packages/protocol/src/message-signatures/base.ts',
    'packages/protocol/src/message-signatures/components.ts',
    'packages/protocol/src/message-signatures/message.ts',
    'packages/protocol/src/message-signatures/common-params.ts',
  ],
  'structured-fields': ['packages/protocol/src/structured-fields.ts'],
  tokens: ['packages/server/src/tokens/verify.ts', 'packages/server/src/tokens/claims.ts'],
  sessions: ['packages/server/src/sessions/decide.ts'],
  policy: ['packages/server/src/policy/evaluate.ts', 'packages/server/src/policy/match.ts', 'packages/server/src/policy/audience.ts'],
  credentials: [
    'packages/server/src/credentials/authenticate.ts',
    'packages/server/src/credentials/caller.ts',
    'packages/server/src/credentials/extract.ts',
    'packages/server/src/credentials/pipeline.ts',
    'packages/server/src/credentials/verify-any.ts',
  ],
  'request-guard': ['packages/server/src/gateway/request-guard.ts', 'packages/server/src/gateway/target.ts'],
  audit: ['packages/server/src/audit/chain.ts'],
};

interface Tally {
  file: string;
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  invalid: number;
}

/** Counts per file from a mutation-testing-report-schema JSON report. */
function tally(reportPath: string): Tally[] {
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
    files: Record<string, { mutants: { status: string }[] }>;
  };
  return Object.entries(report.files).map(([file, { mutants }]) => {
    const count = (status: string) => mutants.filter((m) => m.status === status).length;
    const t = { killed: count('Killed'), timeout: count('Timeout'), survived: count('Survived'), noCoverage: count('NoCoverage') };
    return { file, mutants: mutants.length, ...t, invalid: mutants.length - t.killed - t.timeout - t.survived - t.noCoverage };
  });
}

function scorePercent(t: Pick<Tally, 'killed' | 'timeout' | 'survived' | 'noCoverage'>): number {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid === 0 ? 100 : (100 * (t.killed + t.timeout)) / valid;
}

function printTable(rows: readonly Tally[]): void {
  console.log(`\n| file | mutants | killed | timeout | survived | no coverage | score |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  for (const r of rows) {
    console.log(`| ${r.file} | ${r.mutants - r.invalid} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${scorePercent(r).toFixed(1)}% |`);
  }
}

function main(argv: readonly string[]): number {
  // `--table`: the table from the reports already in reports/mutation/, without running anything.
  if (argv[0] === '--table') {
    const names = argv.length > 1 ? argv.slice(1) : Object.keys(MODULES);
    printTable(names.flatMap((name) => (existsSync(join('reports', 'mutation', `${name}.json`)) ? tally(join('reports', 'mutation', `${name}.json`)) : [])));
    return 0;
  }
  const unknown = argv.filter((name) => !(name in MODULES));
  if (unknown.length > 0) {
    console.error(`unknown module(s): ${unknown.join(', ')}; choose from: ${Object.keys(MODULES).join(', ')}`);
    return 2;
  }
  const names = argv.length > 0 ? argv : Object.keys(MODULES);
  const outDir = join('reports', 'mutation');
  mkdirSync(outDir, { recursive: true });
  const rows: Tally[] = [];
  let failedRun = false;
  for (const name of names) {
    console.log(`\n=== mutation: ${name} (${MODULES[name]!.join(', ')})`);
    const run = spawnSync('npx', ['stryker', 'run', '--mutate', MODULES[name]!.join(',')], { stdio: 'inherit' });
    if (run.status !== 0) {
      console.error(`stryker failed for ${name} (exit ${run.status ?? run.signal})`);
      failedRun = true;
      continue;
    }
    const kept = join(outDir, `${name}.json`);
    copyFileSync(join(outDir, 'mutation.json'), kept);
    rows.push(...tally(kept));
  }
  printTable(rows);
  const below = rows.filter((r) => scorePercent(r) < MIN_SCORE_PERCENT);
  for (const r of below) console.error(`below ${MIN_SCORE_PERCENT}%: ${r.file}`);
  return failedRun || below.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
