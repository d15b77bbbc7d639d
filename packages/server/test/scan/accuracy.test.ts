import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../../scripts/gen-scan-corpus.js';
import { buildRules } from '../../src/scan/rules/index.js';
import { runScan } from '../../src/scan/run.js';
import { walkFiles } from '../../src/scan/sources/fs.js';

/**
 * Precision and recall on the labelled corpus (test-data/scan-corpus, scripts/gen-scan-corpus.ts).
 * A finding counts as true only at a labelled path and line with the labelled rule; anything else
 * is a false alarm, and a label nobody found is a miss. The bar: Keyward keys 100% / 100%,
 * third-party rules at least 0.9 for both (goal 0.95).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.resolve(here, '../../../../test-data/scan-corpus');
const labels = JSON.parse(readFileSync(path.join(corpus, 'labels.json'), 'utf8')) as { secrets: { path: string; line: number; ruleId: string }[]; decoys: { path: string; what: string }[] };

function score(findings: { path: string; line: number; ruleId: string }[], truth: typeof labels.secrets) {
  const want = new Set(truth.map((l) => `${l.path}:${l.line}:${l.ruleId}`));
  const got = new Set(findings.map((f) => `${f.path}:${f.line}:${f.ruleId}`));
  const tp = [...got].filter((g) => want.has(g)).length;
  return {
    precision: got.size ? tp / got.size : 1,
    recall: want.size ? tp / want.size : 1,
    falseAlarms: [...got].filter((g) => !want.has(g)),
    missed: [...want].filter((w) => !got.has(w)),
  };
}

describe('scan accuracy on the labelled corpus', () => {
  it('the committed corpus is what the generator makes (deterministic, not edited by hand)', () => {
    const { files, labels: fresh } = generate();
    expect(fresh).toEqual(labels.secrets);
    for (const [file, text] of files) expect(readFileSync(path.join(corpus, 'files', file), 'utf8'), file).toBe(text);
  });

  it('Keyward keys: 100% precision and recall; third-party rules: at least 0.9 of both', async () => {
    const root = path.join(corpus, 'files');
    const result = await runScan((warn) => walkFiles([root], { maxFileBytes: 1 << 20 }, warn), { rules: buildRules([], () => {}) });
    const findings = result.findings.map((f) => ({ path: path.relative(root, f.path), line: f.line, ruleId: f.ruleId }));
    const own = score(findings.filter((f) => f.ruleId === 'keyward-key'), labels.secrets.filter((l) => l.ruleId === 'keyward-key'));
    const third = score(findings.filter((f) => f.ruleId !== 'keyward-key'), labels.secrets.filter((l) => l.ruleId !== 'keyward-key'));
    process.stdout.write(`keyward: precision ${own.precision.toFixed(3)} recall ${own.recall.toFixed(3)}; third-party: precision ${third.precision.toFixed(3)} recall ${third.recall.toFixed(3)}\n`);
    if (third.falseAlarms.length || third.missed.length) process.stdout.write(`${JSON.stringify({ falseAlarms: third.falseAlarms, missed: third.missed })}\n`);
    expect(own).toMatchObject({ precision: 1, recall: 1 });
    expect(third.precision).toBeGreaterThanOrEqual(0.9);
    expect(third.recall).toBeGreaterThanOrEqual(0.9);
    expect(result.warningCount).toBe(0);
  });
});
