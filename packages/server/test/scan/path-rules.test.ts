import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRules } from '../../src/scan/rules/index.js';
import { runScan } from '../../src/scan/run.js';
import { scanPath } from '../../src/scan/scanner.js';
import { walkFiles } from '../../src/scan/sources/fs.js';

/**
 * gitleaks path-only rules (`path`, no `regex`): the file is the finding, as in gitleaks'
 * detectRule ("file detected: PATH"), and allow-lists apply at gitleaks' path stage only.
 */
const base = mkdtempSync(path.join(tmpdir(), 'kw-path-rules-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const TOML = `
[[rules]]
id = "pkcs12-file"
description = "PKCS #12 bundle"
path = '''(?i)(?:^|/)[^/]+\\.p(?:12|fx)$'''

[[rules]]
id = "ssh-private-key-file"
description = "SSH private key file"
path = '''(?:^|/)id_(?:rsa|ed25519)$'''
[[rules.allowlists]]
paths = ['''(?:^|/)fixtures/''']
[[rules.allowlists]]
condition = "AND"
paths = ['''(?:^|/)docs/''']
regexes = ['''EXAMPLE''']

[[rules]]
id = "dotenv-file"
description = "dotenv file"
path = '''(?:^|/)\\.env$'''

[[allowlists]]
targetRules = ["dotenv-file"]
paths = ['''(?:^|/)examples/''']

[[allowlists]]
description = "vendored code"
paths = ['''(?:^|/)vendor/''']
`;

const rules = buildRules([{ file: 'team.toml', text: TOML }], (_p, m) => {
  throw new Error(`unexpected warning: ${m}`);
});
const ids = (p: string): string[] => scanPath(p, rules).map((f) => f.ruleId);

describe('path-only rules', () => {
  it('flag a file by its name, whatever is in it', () => {
    expect(ids('deploy/server.p12')).toEqual(['pkcs12-file']);
    expect(ids('deploy/SERVER.PFX')).toEqual(['pkcs12-file']);
    expect(ids('home/.ssh/id_rsa')).toEqual(['ssh-private-key-file']);
    expect(ids('home/.ssh/id_rsa.pub')).toEqual([]);
    expect(ids('src/p12.ts')).toEqual([]);
    const [f] = scanPath('deploy/server.p12', rules);
    expect(f).toMatchObject({ line: 1, column: 1, secret: '', redacted: 'file detected: deploy/server.p12' });
  });

  it('a per-rule allow-list with paths (OR) lets the file through; AND with a content check never does at the path stage', () => {
    expect(ids('test/fixtures/id_rsa')).toEqual([]);
    // gitleaks: an AND list that also has regexes or stopwords is a content check, and a path-only
    // finding has no content, so it stays reported even under docs/.
    expect(ids('docs/id_rsa')).toEqual(['ssh-private-key-file']);
  });

  it('global allow-lists apply: by path, and with targetRules only to the rules they name', () => {
    expect(ids('vendor/lib/server.p12')).toEqual([]);
    expect(ids('examples/.env')).toEqual([]);
    expect(ids('examples/client.p12')).toEqual(['pkcs12-file']);
    expect(ids('app/.env')).toEqual(['dotenv-file']);
  });

  it('the fingerprint is per rule and path, so a baseline accepts one file and not another', () => {
    const [a] = scanPath('a/server.p12', rules);
    const [b] = scanPath('b/server.p12', rules);
    expect(a!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a!.fingerprint).not.toBe(b!.fingerprint);
    expect(scanPath('a/server.p12', rules)[0]!.fingerprint).toBe(a!.fingerprint);
  });

  it('a directory scan reports binary files it cannot read as text, and judges paths inside the scanned root', async () => {
    const dir = path.join(base, 'tree');
    mkdirSync(path.join(dir, 'certs'), { recursive: true });
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    // A real PKCS #12 file is DER: binary, so expand() skips its content with a warning.
    writeFileSync(path.join(dir, 'certs/push.p12'), Buffer.from([0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03, 0x30, 0, 0, 0, 0]));
    writeFileSync(path.join(dir, 'src/app.ts'), 'export const x = 1;\n');
    writeFileSync(path.join(dir, '.env'), 'DEBUG=1\n');
    const r = await runScan((warn) => walkFiles([dir], { maxFileBytes: 1 << 20 }, warn), { rules });
    expect(r.findings.map((f) => [path.relative(dir, f.path), f.ruleId]).sort()).toEqual([
      ['.env', 'dotenv-file'],
      ['certs/push.p12', 'pkcs12-file'],
    ]);
    expect(r.warnings.map((w) => path.relative(dir, w.path))).toEqual(['certs/push.p12']);
    const baseline = new Set(r.findings.filter((f) => f.ruleId === 'dotenv-file').map((f) => f.fingerprint));
    const again = await runScan((warn) => walkFiles([dir], { maxFileBytes: 1 << 20 }, warn), { rules, baseline });
    expect(again.findings.map((f) => f.ruleId)).toEqual(['pkcs12-file']);
    expect(again.suppressed).toBe(1);
  });
});
