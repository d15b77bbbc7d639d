import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '@secretlint/node';
import { generate } from '../../scripts/gen-scan-corpus.js';
import { KINDS } from '../../scripts/scan-corpus/filler.js';
import { buildRules } from '../../packages/server/src/scan/rules/index.js';
import { runScan } from '../../packages/server/src/scan/run.js';
import { walkFiles } from '../../packages/server/src/scan/sources/fs.js';
import { prng } from '../../packages/server/test/scan/fake-secrets.js';
import { compare, type BenchCase } from '../lib.js';

/**
 * `keyward scan` throughput against secretlint 11 with its recommended preset, over the same
 * generated source tree of at least 200 MB (both read the files from disk themselves: Keyward
 * through its walker, secretlint through `executeOnFiles`, its CLI's path). The tree is the
 * labelled corpus's files plus ~2,000 source files of ~100 KB built from the same filler, with a
 * planted corpus secret in some, and a few minified one-line bundles. Kept between runs in the
 * temp directory (deterministic, so a kept tree is the same tree).
 */
const TARGET_BYTES = 210 * 1024 * 1024;
const dir = path.join(tmpdir(), 'keyward-bench-scan-v1');

function buildTree(): void {
  if (existsSync(path.join(dir, '.complete'))) return;
  rmSync(dir, { recursive: true, force: true });
  const rand = prng(7);
  const { files } = generate();
  const planted = [...files.values()].filter((t) => !t.includes('(generated)') || Math.floor(rand() * 3) === 0);
  let bytes = 0;
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
    bytes += Buffer.byteLength(text);
  };
  for (const [rel, text] of files) put(`corpus/${rel}`, text);
  const kinds = Object.values(KINDS);
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const kind = kinds[i % kinds.length]!;
    if (i % 400 === 399) {
      // A minified bundle: one line of about 1 MB.
      const line = Array.from({ length: 20_000 }, (_, j) => `function f${j}(a){return a.map(x=>x*${j}).filter(Boolean)}`).join(';');
      put(`dist/bundle-${i}.min.js`, line);
      continue;
    }
    const lines: string[] = [];
    let size = 0;
    const target = 60_000 + Math.floor(rand() * 80_000);
    while (size < target) {
      const l = kind.lines[Math.floor(rand() * kind.lines.length)]!;
      lines.push(l);
      size += l.length + 1;
    }
    if (i % 50 === 0) lines.splice(Math.floor(lines.length / 2), 0, ...planted[i % planted.length]!.split('\n'));
    put(`${kind.dir}/m${Math.floor(i / 100)}/file${i}.${kind.ext}`, `${lines.join('\n')}\n`);
  }
  writeFileSync(path.join(dir, '.complete'), String(bytes));
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, e.name);
    if (e.isDirectory()) out.push(...listFiles(full));
    else if (e.isFile() && !e.name.startsWith('.')) out.push(full);
  }
  return out;
}

const bench: BenchCase = {
  name: 'keyward scan vs secretlint',
  async run({ log }) {
    buildTree();
    const files = listFiles(dir);
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    const mb = bytes / (1024 * 1024);
    log(`tree: ${files.length} files, ${mb.toFixed(0)} MiB in ${dir}`);
    const rules = buildRules([], () => {});
    const engine = await createEngine({ cwd: dir, formatter: 'json', color: false, maskSecrets: true, configFileJSON: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] } });
    let keywardFindings = 0;
    let secretlintFindings = 0;
    const keyward = async () => {
      const started = performance.now();
      const r = await runScan((warn) => walkFiles([dir], { maxFileBytes: 20 << 20 }, warn), { rules });
      keywardFindings = r.findings.length;
      const rate = mb / ((performance.now() - started) / 1000);
      log(`keyward: ${rate.toFixed(1)} MiB/s (${r.findings.length} findings)`);
      return rate;
    };
    const secretlint = async () => {
      const started = performance.now();
      const r = await engine.executeOnFiles({ filePathList: files });
      secretlintFindings = (JSON.parse(r.output) as { messages: unknown[] }[]).reduce((n, f) => n + f.messages.length, 0);
      const rate = mb / ((performance.now() - started) / 1000);
      log(`secretlint: ${rate.toFixed(1)} MiB/s (${secretlintFindings} findings)`);
      return rate;
    };
    // Whole-tree rounds are long (secretlint takes about a minute each), so few of them.
    const result = await compare(keyward, secretlint, 1);
    return [
      {
        name: `scan throughput, ${mb.toFixed(0)} MiB source tree`,
        subjectLabel: 'keyward scan (MiB/s)',
        baselineLabel: 'secretlint 11 + preset-recommend (MiB/s)',
        subject: { opsPerSec: result.subject },
        baseline: { opsPerSec: result.baseline },
        pairedRatio: result.pairedRatio,
        target: { minRatio: 3 },
        notes: `${files.length} files, ${mb.toFixed(0)} MiB, both reading from disk; findings: keyward ${keywardFindings}, secretlint ${secretlintFindings}. Rates are MiB/s.`,
      },
    ];
  },
};
export default bench;
