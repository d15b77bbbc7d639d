import { fingerprint, redact } from './fingerprint.js';
import type { Finding, Rule, ScanText } from './types.js';
import { shannonEntropy } from './rules/context.js';

/** Findings past this many in one text are dropped (a generated file full of tokens is one problem). */
export const MAX_FINDINGS_PER_TEXT = 500;


/**
 * The scanner core: every rule over one text, as a pure function (no I/O, no clock). Rules run in
 * order; a candidate overlapping an earlier rule's finding is dropped, so `STRIPE_KEY="sk_live_…"`
 * is one Stripe finding and not also a generic one. Line and column are 1-based. `base` is the
 * scanned root's prefix of `path`, left out of what path-based context rules see.
 */
export function scanText(input: ScanText, rules: readonly Rule[], base = ''): Finding[] {
  const { text, path } = input;
  // Context rules judge the path inside the scanned tree: scanning /home/me/tests/app must not
  // make every file of the app a "test" file.
  const inTree = base && path.startsWith(base) ? path.slice(base.length) : path;
  if (text.length === 0) return [];
  let lower: string | undefined;
  const present = presentLiterals(text, rules);
  const spans: [number, number][] = [];
  const found: Finding[] = [];
  let lines: number[] | undefined;
  for (const rule of rules) {
    if (rule.pathOnly) continue;
    if (rule.path) {
      rule.path.lastIndex = 0;
      if (!rule.path.test(inTree)) continue;
    }
    if (rule.literals && !rule.literals.some((k) => present.has(k))) continue;
    if (rule.keywords.length > 0) {
      lower ??= text.toLowerCase();
      if (!rule.keywords.some((k) => lower!.includes(k))) continue;
    }
    const re = rule.regex;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const secret = m[rule.secretGroup];
      if (!secret) continue;
      if (rule.notAfter && m.index > 0 && rule.notAfter.test(text[m.index - 1]!)) continue;
      const start = m.index + (rule.secretGroup === 0 ? 0 : m[0].indexOf(secret));
      const end = start + secret.length;
      if (spans.some(([s, e]) => start < e && s < end)) continue;
      if (rule.entropy > 0 && shannonEntropy(secret) < rule.entropy) continue;
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const lineEndAt = text.indexOf('\n', start);
      // Long minified lines: context checks see a window around the secret, not megabytes.
      const line = text.slice(Math.max(lineStart, start - 200), Math.min(lineEndAt === -1 ? text.length : lineEndAt, end + 200));
      if (rule.accept && !rule.accept(secret, line, inTree, m)) continue;
      lines ??= lineStarts(text);
      const lineNo = lineOf(lines, start);
      spans.push([start, end]);
      found.push({ ruleId: rule.id, description: rule.description, path, line: lineNo + 1, column: start - lines[lineNo]! + 1, secret, redacted: redact(secret), fingerprint: fingerprint(rule.id, secret) });
      if (found.length >= MAX_FINDINGS_PER_TEXT) return sortFindings(found);
    }
  }
  return sortFindings(found);
}

/**
 * gitleaks path-only rules (`path` and no `regex`) over one file name: one finding per matching
 * rule, for the file as a whole (gitleaks' `Match` is "file detected: PATH"; it has no line). The
 * finding has no secret, so its fingerprint hashes the path instead: a baseline entry accepts
 * that file, and `--git` reports it once per path. Line and column are 1 (SARIF regions start
 * at 1). Pure, like scanText; runScan calls it for every file a source yields (before expand(),
 * so binary files such as keystores count) and for every entry of a bundle.
 */
export function scanPath(path: string, rules: readonly Rule[], base = ''): Finding[] {
  const inTree = base && path.startsWith(base) ? path.slice(base.length) : path;
  const found: Finding[] = [];
  for (const rule of rules) {
    if (!rule.pathOnly || !rule.path) continue;
    rule.path.lastIndex = 0;
    if (!rule.path.test(inTree)) continue;
    if (rule.acceptPath && !rule.acceptPath(inTree)) continue;
    found.push({ ruleId: rule.id, description: rule.description, path, line: 1, column: 1, secret: '', redacted: `file detected: ${path}`, fingerprint: fingerprint(rule.id, `\0file\0${inTree}`) });
  }
  return found;
}

const LITERALS = new WeakMap<readonly Rule[], RegExp | null>();

/**
 * Which of the rules' case-sensitive literals occur in the text, in one pass: one regex of all
 * of them (compiled once per rule list) instead of a search per literal and rule, about 3-4x
 * less time on source code where almost none occur.
 */
function presentLiterals(text: string, rules: readonly Rule[]): Set<string> {
  let re = LITERALS.get(rules);
  if (re === undefined) {
    const all = [...new Set(rules.flatMap((r) => r.literals ?? []))].sort((a, b) => b.length - a.length);
    re = all.length ? new RegExp(all.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : null;
    LITERALS.set(rules, re);
  }
  const found = new Set<string>();
  if (re) for (const m of text.matchAll(re)) found.add(m[0]);
  return found;
}

function sortFindings(found: Finding[]): Finding[] {
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Index of the line holding `offset` (binary search over line starts). */
function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
