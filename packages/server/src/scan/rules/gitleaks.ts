import { parse } from 'smol-toml';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Rule, Warn } from '../types.js';
import { goRegexToJs } from './go-regex.js';

/**
 * gitleaks' TOML rule format (`--rules FILE`), so teams keep the rules and allow-lists they have.
 * Supported: `[[rules]]` with id, description, regex, secretGroup, entropy, keywords, path;
 * per-rule allow-lists (`[rules.allowlist]` and `[[rules.allowlists]]`) and global ones
 * (`[allowlist]`, `[[allowlists]]` with `targetRules`), each with regexes, regexTarget
 * (secret, match, line), paths, stopwords and condition (OR, AND); `[extend] useDefault`.
 * Path-only rules (`path`, no `regex`) report the file itself, as gitleaks does; their
 * allow-lists are judged at gitleaks' path stage (`pathAllowed`).
 * Not supported, with a warning: `commits` in allow-lists, `[extend] path` (point --rules at
 * that file too).
 */
export interface LoadedRules {
  readonly rules: readonly Rule[];
  /** `[extend] useDefault = true`: keep the built-in rule set next to these rules. */
  readonly useDefault: boolean;
  /** Global allow-lists, applied to every rule but Keyward's own (bound to a rule id list if any). */
  readonly allow: readonly Allowlist[];
}

export interface Allowlist {
  readonly regexes: readonly RegExp[];
  readonly regexTarget: 'secret' | 'match' | 'line';
  readonly paths: readonly RegExp[];
  readonly stopwords: readonly string[];
  readonly condition: 'OR' | 'AND';
  readonly targetRules: readonly string[];
}

type Table = Record<string, unknown>;

function fail(file: string, where: string, message: string): never {
  throw new KeywardError('SCAN_RULES_INVALID', `${file}: ${where}: ${message}`);
}

const str = (v: unknown): v is string => typeof v === 'string';
const strings = (file: string, where: string, v: unknown): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every(str)) fail(file, where, 'must be an array of strings');
  return v;
};

function regex(file: string, where: string, source: string): RegExp {
  try {
    return goRegexToJs(source);
  } catch (err) {
    return fail(file, where, `regex does not compile: ${(err as Error).message}`);
  }
}

function allowlist(file: string, where: string, t: unknown, warn: Warn): Allowlist {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) fail(file, where, 'must be a table');
  const a = t as Table;
  const target = a.regexTarget ?? 'secret';
  if (target !== 'secret' && target !== 'match' && target !== 'line') fail(file, `${where}.regexTarget`, 'must be secret, match or line');
  const condition = String(a.condition ?? 'OR').toUpperCase();
  if (condition !== 'OR' && condition !== 'AND') fail(file, `${where}.condition`, 'must be OR or AND');
  if (a.commits !== undefined) warn(file, `${where}.commits is not supported and is ignored`);
  return {
    regexes: strings(file, `${where}.regexes`, a.regexes).map((r, i) => regex(file, `${where}.regexes[${i}]`, r)),
    regexTarget: target,
    paths: strings(file, `${where}.paths`, a.paths).map((r, i) => regex(file, `${where}.paths[${i}]`, r)),
    stopwords: strings(file, `${where}.stopwords`, a.stopwords).map((w) => w.toLowerCase()),
    condition,
    targetRules: strings(file, `${where}.targetRules`, a.targetRules),
  };
}

const hit = (re: RegExp, s: string): boolean => {
  re.lastIndex = 0;
  return re.test(s);
};

/** Whether an allow-list lets this candidate through (gitleaks: any criterion with OR, all given ones with AND). */
export function allowed(a: Allowlist, ruleId: string, secret: string, match: string, line: string, path: string): boolean {
  if (a.targetRules.length > 0 && !a.targetRules.includes(ruleId)) return false;
  const target = a.regexTarget === 'line' ? line : a.regexTarget === 'match' ? match : secret;
  const lower = secret.toLowerCase();
  const checks: boolean[] = [];
  if (a.regexes.length) checks.push(a.regexes.some((r) => hit(r, target)));
  if (a.paths.length) checks.push(a.paths.some((r) => hit(r, path)));
  if (a.stopwords.length) checks.push(a.stopwords.some((w) => lower.includes(w)));
  if (checks.length === 0) return false;
  return a.condition === 'AND' ? checks.every(Boolean) : checks.some(Boolean);
}

/**
 * gitleaks' path stage (checkCommitOrPathAllowed), the only one a path-only finding meets: with
 * OR, a matching path allows the file; with AND, a list that also has regexes or stopwords never
 * allows at this stage (those are content checks, and a path-only finding has no content).
 */
export function pathAllowed(a: Allowlist, ruleId: string, path: string): boolean {
  if (a.targetRules.length > 0 && !a.targetRules.includes(ruleId)) return false;
  if (a.paths.length === 0) return false;
  if (a.condition === 'AND' && (a.regexes.length > 0 || a.stopwords.length > 0)) return false;
  return a.paths.some((r) => hit(r, path));
}

/** Parses one gitleaks TOML file. Errors name the file and the rule; SCAN_RULES_INVALID. */
export function loadGitleaksRules(file: string, text: string, warn: Warn): LoadedRules {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    return fail(file, 'TOML', (err as Error).message.split('\n')[0]!);
  }
  const extend = (doc.extend ?? {}) as Table;
  if (extend.path !== undefined) warn(file, '[extend] path is not supported: pass that file with --rules too');
  const globals: Allowlist[] = [];
  if (doc.allowlist !== undefined) globals.push(allowlist(file, 'allowlist', doc.allowlist, warn));
  if (doc.allowlists !== undefined) {
    if (!Array.isArray(doc.allowlists)) fail(file, 'allowlists', 'must be an array of tables');
    doc.allowlists.forEach((a, i) => globals.push(allowlist(file, `allowlists[${i}]`, a, warn)));
  }
  const rawRules = doc.rules ?? [];
  if (!Array.isArray(rawRules)) fail(file, 'rules', 'must be an array of tables ([[rules]])');
  const rules: Rule[] = [];
  rawRules.forEach((r: unknown, i) => {
    const t = (r ?? {}) as Table;
    const id = t.id;
    const where = `rules[${i}]${str(id) ? ` (${id})` : ''}`;
    if (!str(id) || id.length === 0) fail(file, where, 'id is required');
    const lists: Allowlist[] = [];
    if (t.allowlist !== undefined) lists.push(allowlist(file, `${where}.allowlist`, t.allowlist, warn));
    if (t.allowlists !== undefined) {
      if (!Array.isArray(t.allowlists)) fail(file, `${where}.allowlists`, 'must be an array of tables');
      t.allowlists.forEach((a, j) => lists.push(allowlist(file, `${where}.allowlists[${j}]`, a, warn)));
    }
    if (t.regex === undefined) {
      // gitleaks refuses a rule with neither (config validation): it could never match anything.
      if (t.path === undefined) fail(file, where, 'a rule needs a regex, a path or both');
      if (!str(t.path)) fail(file, `${where}.path`, 'must be a string');
      rules.push({
        id,
        description: str(t.description) ? t.description : id,
        // Never run (scanText skips path-only rules); present so every rule has the same shape.
        regex: /(?!)/g,
        secretGroup: 0,
        keywords: [],
        entropy: 0,
        source: 'custom',
        path: regex(file, `${where}.path`, t.path),
        pathOnly: true,
        ...(lists.length ? { acceptPath: (p: string) => !lists.some((a) => pathAllowed(a, id, p)) } : {}),
      });
      return;
    }
    if (!str(t.regex)) fail(file, `${where}.regex`, 'must be a string');
    const re = regex(file, `${where}.regex`, t.regex);
    const groups = new RegExp(`${re.source}|`, re.flags.replace('g', '')).exec('')!.length - 1;
    const secretGroup = t.secretGroup === undefined ? (groups > 0 ? 1 : 0) : Number(t.secretGroup);
    if (!Number.isInteger(secretGroup) || secretGroup < 0 || secretGroup > groups) fail(file, `${where}.secretGroup`, `must be a group of the regex (0 to ${groups})`);
    const entropy = t.entropy === undefined ? 0 : Number(t.entropy);
    if (!Number.isFinite(entropy) || entropy < 0) fail(file, `${where}.entropy`, 'must be a non-negative number');
    rules.push({
      id,
      description: str(t.description) ? t.description : id,
      regex: re,
      secretGroup,
      keywords: strings(file, `${where}.keywords`, t.keywords).map((k) => k.toLowerCase()),
      entropy,
      source: 'custom',
      ...(t.path !== undefined ? { path: regex(file, `${where}.path`, String(t.path)) } : {}),
      ...(lists.length ? { accept: (secret, line, path, m) => !lists.some((a) => allowed(a, id, secret, m[0], line, path)) } : {}),
    });
  });
  return { rules, useDefault: extend.useDefault === true, allow: globals };
}

/** A rule with the global allow-lists folded into its own check. */
export function withAllowlists(rule: Rule, lists: readonly Allowlist[]): Rule {
  if (lists.length === 0 || rule.source === 'keyward') return rule;
  if (rule.pathOnly) {
    const ownPath = rule.acceptPath;
    return { ...rule, acceptPath: (p) => (ownPath ? ownPath(p) : true) && !lists.some((a) => pathAllowed(a, rule.id, p)) };
  }
  const own = rule.accept;
  return { ...rule, accept: (secret, line, path, m) => (own ? own(secret, line, path, m) : true) && !lists.some((a) => allowed(a, rule.id, secret, m[0], line, path)) };
}
