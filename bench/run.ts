/**
 * `npm run bench`: runs every bench/cases/*.bench.ts, prints one table of ratios, and updates
 * bench/RESULTS.md. `-- NAME` runs matching cases; `--quick` shortens every case and writes
 * nothing (its figures are not comparable); `--dry-run` prints the rows without writing.
 * RESULTS.md is merged, not rewritten: a measured row (and its note) replaces the row of the same
 * name, and rows this run did not measure stay as they were, so a filtered run (some cases need
 * the machine to themselves) and a full run both keep the whole record.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { passes, ratio, type BenchCase, type BenchRow } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => !a.startsWith('--'));

const files = (await readdir(path.join(here, 'cases'))).filter((f) => f.endsWith('.bench.ts')).sort();
const rows: BenchRow[] = [];
for (const file of files) {
  if (filters.length && !filters.some((f) => file.includes(f))) continue;
  const mod = (await import(path.join(here, 'cases', file))) as { default: BenchCase };
  console.log(`\n▶ ${mod.default.name} (${file})`);
  const started = Date.now();
  const caseRows = await mod.default.run({ quick, log: (line) => console.log(`  ${line}`) });
  for (const row of caseRows) {
    rows.push(row);
    console.log(`  ${format(row)}`);
  }
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
}
function format(row: BenchRow): string {
  return `${passes(row) ? 'PASS' : 'MISS'} ${row.name}: ${fmt(row.subject.opsPerSec)}/s vs ${fmt(row.baseline.opsPerSec)}/s = ${(ratio(row) * 100).toFixed(1)}%`;
}

const header = [
  '# Benchmark results',
  '',
  `Updated by \`npm run bench\` (last on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}); each note says when its row was measured.`,
  'Each row runs Keyward and its baseline in the same process run, interleaved; the ratio is the median of the per-round ratios (robust to the machine speeding up or slowing down mid-run), the two rates are the medians of each side.',
  '',
  '| benchmark | Keyward | baseline | ratio | p99 Keyward / baseline (ms) | target | result |',
  '|---|---|---|---|---|---|---|',
];
const lines = rows.map((r) => {
  const t = r.target;
  const target = [
    t?.minRatio !== undefined ? `ratio ≥ ${(t.minRatio * 100).toFixed(0)}%` : '',
    t?.minOpsPerSec !== undefined ? `≥ ${fmt(t.minOpsPerSec)}/s` : '',
    t?.maxP99Ms !== undefined ? `p99 < ${t.maxP99Ms} ms` : '',
    t?.maxAddedP99Ms !== undefined ? `added p99 ≤ ${t.maxAddedP99Ms} ms` : '',
  ].filter(Boolean).join(', ');
  return `| ${r.name} | ${r.subjectLabel}: ${fmt(r.subject.opsPerSec)}/s | ${r.baselineLabel}: ${fmt(r.baseline.opsPerSec)}/s | ${(ratio(r) * 100).toFixed(1)}% | ${fmt(r.subject.p99Ms, 3)} / ${fmt(r.baseline.p99Ms, 3)} | ${target || '–'} | ${passes(r) ? 'pass' : 'miss'} |`;
});
const today = new Date().toISOString().slice(0, 10);
const notes = rows.map((r) => `- **${r.name}**: measured ${today}${quick ? ' (--quick)' : ''}${r.notes ? `; ${r.notes}` : ''}`);
if (quick || args.includes('--dry-run')) {
  console.log(['', 'RESULTS.md rows (not written):', ...lines, '', ...notes].join('\n'));
} else {
  const file = path.join(here, 'RESULTS.md');
  const merged = mergeResults(await readFile(file, 'utf8').catch(() => ''), rows.map((r) => r.name), lines, notes);
  await writeFile(file, [...header, ...merged.rows, '', '## Notes', '', ...merged.notes, ''].join('\n'));
  console.log(`\nupdated bench/RESULTS.md (${rows.length} rows measured, ${merged.rows.length - rows.length} kept from earlier runs)`);
}

/** The rows and notes of the old file, with the measured ones replaced by name (new names appended). */
function mergeResults(old: string, names: readonly string[], newRows: readonly string[], newNotes: readonly string[]): { rows: string[]; notes: string[] } {
  const oldRows = new Map<string, string>();
  const oldNotes = new Map<string, string>();
  for (const line of old.split('\n')) {
    const row = /^\| ([^|]+?) \| /.exec(line);
    if (row && row[1] !== 'benchmark' && !line.startsWith('|---')) oldRows.set(row[1]!, line);
    const note = /^- \*\*(.+?)\*\*: /.exec(line);
    if (note) oldNotes.set(note[1]!, line);
  }
  names.forEach((name, i) => {
    oldRows.set(name, newRows[i]!);
    oldNotes.set(name, newNotes[i]!);
  });
  return { rows: [...oldRows.values()], notes: [...oldRows.keys()].flatMap((n) => (oldNotes.has(n) ? [oldNotes.get(n)!] : [])) };
}
const missed = rows.filter((r) => !passes(r));
console.log(`\n${rows.length - missed.length} of ${rows.length} targets met`);
