/**
 * gitleaks rule files hold Go (RE2) regexes. Most are valid JavaScript once a few spellings are
 * rewritten; RE2 guarantees linear matching and JavaScript does not, but the RE2 subset has no
 * backreferences or lookaround, which removes the usual catastrophic cases.
 *
 * Rewritten: leading and inline `(?i)`/`(?s)`/`(?m)` flags and `(?-i:…)` groups (JavaScript on Node 20 has no inline
 * modifiers, so a flag anywhere applies to the whole pattern: a rule can only match more, never
 * less), `(?P<name>`, `\A`, `\z`, `\x{…}`, POSIX classes such as `[[:alnum:]]`.
 */
const POSIX: Readonly<Record<string, string>> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

export function goRegexToJs(source: string): RegExp {
  const flags = new Set<string>(['g']);
  let s = source.replace(/\(\?([imsU]+)\)/g, (_m, f: string) => {
    for (const c of f) if (c !== 'U') flags.add(c);
    return '';
  });
  s = s.replace(/\(\?([ims]+):/g, (_m, f: string) => {
    for (const c of f) flags.add(c);
    return '(?:';
  });
  // `(?-i:…)` (flags off for a group) cannot be expressed either: the group matches case-insensitively too.
  s = s.replace(/\(\?([ims]*)-[ims]+:/g, (_m, on: string) => {
    for (const c of on) flags.add(c);
    return '(?:';
  });
  s = s.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  s = s.replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => (POSIX[name] && !neg ? POSIX[name]! : m));
  const unicode = /\\p\{|\\P\{|\\x\{/.test(s);
  if (unicode) {
    s = s.replace(/\\x\{([0-9A-Fa-f]+)\}/g, '\\u{$1}');
    flags.add('u');
  }
  return new RegExp(s, [...flags].join(''));
}
