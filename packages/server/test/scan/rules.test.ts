import { generateKey } from '@keyward/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRules, BUILTIN_RULES, KEYWARD_RULE } from '../../src/scan/rules/index.js';
import { goRegexToJs } from '../../src/scan/rules/go-regex.js';
import { scanText } from '../../src/scan/scanner.js';
import { shannonEntropy } from '../../src/scan/rules/context.js';
import { CLI, makeKeyward } from '../helpers.js';
import { FAKE_SECRETS } from './fake-secrets.js';

const RULES = [KEYWARD_RULE, ...BUILTIN_RULES];
const scan = (text: string, path = 'src/config.ts', rules = RULES) => scanText({ path, text }, rules);

describe('Keyward keys: found by prefix, confirmed by checksum', () => {
  let kw: Awaited<ReturnType<typeof makeKeyward>>['kw'];
  const minted: string[] = [];
  beforeAll(async () => {
    ({ kw } = await makeKeyward());
    const app = await kw.apps.create({ name: 'scan' }, CLI);
    for (const kind of ['publishable', 'secret', 'restricted'] as const) {
      minted.push((await kw.keys.create({ appId: app.id, environment: 'live', kind, name: kind, ...(kind === 'restricted' ? { scopes: ['a:b'] } : {}) }, CLI)).secret);
    }
    minted.push((await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'r' }, CLI)).secret);
  });
  afterAll(() => kw.close());

  it('finds every key the service mints, with line, column and a redacted match', () => {
    const text = minted.map((k, i) => `${'  '.repeat(i)}const k${i} = "${k}";`).join('\n');
    const found = scan(text);
    expect(found.map((f) => f.secret)).toEqual(minted);
    expect(found.map((f) => [f.line, f.column])).toEqual(minted.map((_, i) => [i + 1, 2 * i + 13]));
    for (const f of found) {
      expect(f.ruleId).toBe('keyward-key');
      expect(f.redacted).not.toContain(f.secret.slice(-10));
    }
  });

  it('a key with one character changed fails its checksum and is not a finding', () => {
    for (const k of minted) {
      const last = k.at(-1) === 'A' ? 'B' : 'A';
      expect(scan(`x = "${k.slice(0, -1)}${last}"`).filter((f) => f.ruleId === 'keyward-key')).toEqual([]);
    }
  });

  it('finds keys glued to other text (URLs, JSON) but not inside a longer token', () => {
    const k = generateKey('secret', 'test');
    expect(scan(`https://x.test/?key=${k}&a=1`).map((f) => f.secret)).toEqual([k]);
    expect(scan(`{"k":"${k}"}`).map((f) => f.secret)).toEqual([k]);
    expect(scan(`x${k}`).filter((f) => f.ruleId === 'keyward-key')).toEqual([]);
  });
});

describe('built-in third-party rules', () => {
  it.each(Object.entries(FAKE_SECRETS))('%s: a generated value in context is found by its rule', (ruleId, { line, secret }) => {
    const found = scan(line);
    expect(found.map((f) => [f.ruleId, f.secret])).toEqual([[ruleId, secret]]);
  });

  it.each([
    ['the AWS documentation key', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
    ['a placeholder', 'api_key = "your_api_key_here"'],
    ['x-ed out', 'STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
    ['an environment reference', 'password: ${DB_PASSWORD}'],
    ['a process.env lookup', 'const token = process.env.GITHUB_TOKEN_VALUE_FROM_ENV;'],
    ['a git commit hash', 'commit_token = "3f786850e387550fdab836ed7e6dc881de23001b" # sha1 of the release commit'],
    ['a UUID', 'api_key: "123e4567-e89b-42d3-a456-426614174000"'],
    ['a low-entropy word', 'password = "passwordpassword1"'],
    ['a database URL without a real password', 'DATABASE_URL=postgres://postgres:postgres@localhost:5432/app'],
    ['jwt.io\'s sample token', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
    ['a name that is configuration about a secret', 'token_url = "https://auth.example.org/oauth2/v1/token9"'],
    ['an elided private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----'],
  ])('%s is not a finding', (_name, line) => {
    expect(scan(line)).toEqual([]);
  });

  it('generic assignments in test files are not reported, prefixed formats still are', () => {
    const generic = 'client_secret = "Zq8vN2kLp4Rt7Xw1Ys9Bd3Fh"';
    expect(scan(generic, 'src/auth.ts')).toHaveLength(1);
    expect(scan(generic, 'test/auth.test.ts')).toEqual([]);
    const gh = FAKE_SECRETS['github-token']!;
    expect(scan(gh.line, 'test/fixtures/env.txt').map((f) => f.ruleId)).toEqual(['github-token']);
  });

  it('an assignment of a prefixed key is one finding, of the specific rule', () => {
    const stripe = FAKE_SECRETS['stripe-secret-key']!;
    expect(scan(`STRIPE_SECRET_KEY="${stripe.secret}"`).map((f) => f.ruleId)).toEqual(['stripe-secret-key']);
  });

  it('entropy: random tokens score high, words and repeats low', () => {
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
    expect(shannonEntropy('Zq8vN2kLp4Rt7Xw1Ys9Bd3Fh')).toBeGreaterThan(4);
  });
});

describe('gitleaks TOML rule files (--rules)', () => {
  const warn: string[] = [];
  const w = (p: string, m: string) => warn.push(`${p}: ${m}`);
  const toml = `
title = "team rules"
[[rules]]
id = "acme-token"
description = "ACME internal token"
regex = '''(?i)\\b(acme_[a-z0-9]{24})\\b'''
keywords = ["acme_"]
[[rules.allowlists]]
regexes = ['''acme_0{24}''']
[[rules.allowlists]]
paths = ['''(?:^|/)docs/''']

[[rules]]
id = "path-only"
path = '''\\.pem$'''

[[allowlists]]
description = "global"
stopwords = ["testtoken"]
`;

  it('loads rules, honours per-rule and global allow-lists, keeps Keyward keys on and the built-ins off', () => {
    const rules = buildRules([{ file: 'team.toml', text: toml }], w);
    expect(rules.map((r) => r.id)).toEqual(['keyward-key', 'acme-token', 'path-only']);
    expect(warn).toEqual([]);
    // A path-only rule never reads content: a .pem file's text is not its finding (scanPath is).
    expect(scanText({ path: 'k.pem', text: 'nothing here' }, rules)).toEqual([]);
    const real = 'acme_q8z1k2m3n4b5v6c7x8l9p0ow';
    expect(scanText({ path: 'src/a.ts', text: `t = ACME_${real.slice(5).toUpperCase()}` }, rules).map((f) => f.ruleId)).toEqual(['acme-token']);
    expect(scanText({ path: 'src/a.ts', text: `t = ${real}` }, rules)).toHaveLength(1);
    expect(scanText({ path: 'src/a.ts', text: 't = acme_000000000000000000000000' }, rules)).toEqual([]);
    expect(scanText({ path: 'docs/a.md', text: `t = ${real}` }, rules)).toEqual([]);
    expect(scanText({ path: 'src/a.ts', text: 't = acme_testtoken123456789012345' }, rules)).toEqual([]);
    expect(scanText({ path: 'src/a.ts', text: FAKE_SECRETS['github-token']!.line }, rules)).toEqual([]);
  });

  it('[extend] useDefault = true keeps the built-in rules', () => {
    const rules = buildRules([{ file: 'x.toml', text: `[extend]\nuseDefault = true\n${toml}` }], () => {});
    expect(rules.map((r) => r.id)).toContain('github-token');
  });

  it.each([
    ['bad TOML', 'rules = ['],
    ['a rule without id', '[[rules]]\nregex = "a"'],
    ['a rule with neither regex nor path', "[[rules]]\nid = 'x'\ndescription = 'y'"],
    ['a regex that does not compile', "[[rules]]\nid = 'x'\nregex = '''(unclosed'''"],
    ['a secretGroup past the groups', "[[rules]]\nid = 'x'\nregex = '''a(b)'''\nsecretGroup = 3"],
  ])('%s is SCAN_RULES_INVALID', (_name, text) => {
    expect(() => buildRules([{ file: 'bad.toml', text }], () => {})).toThrow(expect.objectContaining({ code: 'SCAN_RULES_INVALID' }));
  });

  it('Go regex spellings become JavaScript', () => {
    expect(goRegexToJs('(?i)abc').test('ABC')).toBe(true);
    expect(goRegexToJs('(?P<tok>[[:alnum:]]{3})\\z').exec('x9z')?.groups?.tok).toBe('x9z');
    expect(goRegexToJs('\\Aab').test('cab')).toBe(false);
  });
});
