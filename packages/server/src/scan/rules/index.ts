import type { Rule, Warn } from '../types.js';
import { BUILTIN_RULES } from './builtin.js';
import { loadGitleaksRules, withAllowlists } from './gitleaks.js';
import { KEYWARD_RULE } from './keyward.js';

export { BUILTIN_RULES, GENERIC_RULE_ID } from './builtin.js';
export { KEYWARD_RULE } from './keyward.js';

/**
 * The rules of one run. Keyward's own rule always runs first (checksummed, never allow-listed).
 * Without `--rules` the built-in set follows; with rule files their rules replace it, unless a
 * file says `[extend] useDefault = true` (gitleaks' meaning). Global allow-lists of the files
 * apply to every other rule. Duplicate rule ids are refused by the first file that repeats one.
 */
export function buildRules(files: readonly { readonly file: string; readonly text: string }[], warn: Warn): Rule[] {
  if (files.length === 0) return [KEYWARD_RULE, ...BUILTIN_RULES];
  const loaded = files.map((f) => loadGitleaksRules(f.file, f.text, warn));
  const custom = loaded.flatMap((l) => l.rules);
  const allow = loaded.flatMap((l) => l.allow);
  const useDefault = loaded.some((l) => l.useDefault);
  const rules = [...custom, ...(useDefault ? BUILTIN_RULES.filter((b) => !custom.some((c) => c.id === b.id)) : [])];
  return [KEYWARD_RULE, ...rules.map((r) => withAllowlists(r, allow))];
}
