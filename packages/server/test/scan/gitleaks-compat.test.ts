import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRules } from '../../src/scan/rules/index.js';
import { scanPath, scanText } from '../../src/scan/scanner.js';
import { FAKE_SECRETS } from './fake-secrets.js';

/** gitleaks' own default rule file (test-data/gitleaks, MIT) loads through `--rules` and finds what it should. */
const here = path.dirname(fileURLToPath(import.meta.url));
const text = readFileSync(path.resolve(here, '../../../../test-data/gitleaks/gitleaks.toml'), 'utf8');

describe('gitleaks default config', () => {
  const warnings: string[] = [];
  const rules = buildRules([{ file: 'gitleaks.toml', text }], (_p, m) => warnings.push(m));

  it('every rule compiles, path-only ones included, without a warning', () => {
    expect(rules.length).toBeGreaterThan(200);
    expect(warnings).toEqual([]);
    expect(rules[0]!.id).toBe('keyward-key');
    expect(rules.find((r) => r.id === 'pkcs12-file')?.pathOnly).toBe(true);
  });

  it('its path-only rule flags a PKCS #12 file by name, and its global allow-list still applies', () => {
    expect(scanPath('deploy/certs/server.p12', rules).map((f) => f.ruleId)).toEqual(['pkcs12-file']);
    expect(scanPath('deploy/certs/server.pem', rules)).toEqual([]);
  });

  it.each(['github-token', 'stripe-secret-key', 'gitlab-token', 'npm-token', 'slack-webhook', 'private-key'])('finds the %s fake with its own rules', (id) => {
    const fake = FAKE_SECRETS[id]!;
    const found = scanText({ path: 'src/settings.py', text: `${fake.line}\n` }, rules);
    expect(found.length, `${id}: ${found.map((f) => f.ruleId).join(',')}`).toBeGreaterThan(0);
  });

  it('its global allow-list applies (lock files, stopwords)', () => {
    const gh = FAKE_SECRETS['github-token']!;
    expect(scanText({ path: 'package-lock.json', text: gh.line }, rules)).toEqual([]);
  });
});
