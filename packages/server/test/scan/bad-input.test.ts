import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import { expand, isBinary } from '../../src/scan/expand.js';
import { buildRules } from '../../src/scan/rules/index.js';
import { runScan } from '../../src/scan/run.js';
import { scanText } from '../../src/scan/scanner.js';
import { walkFiles } from '../../src/scan/sources/fs.js';
import { FAKE_SECRETS } from './fake-secrets.js';

/**
 * Bad input: huge single-line files, binary garbage, invalid UTF-8 and random text get bounded
 * time and memory and a warning per skipped item, never a crash.
 */
const rules = buildRules([], () => {});
const base = mkdtempSync(path.join(tmpdir(), 'kw-scan-bad-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Fragments of every pattern the rules look for, so random text exercises the rules' slow paths. */
const FRAGMENTS = ['kw_pk_live_', 'kw_root_', 'AKIA', 'aws_secret=', 'sk_live_', 'xoxb-', 'eyJ', '.eyJ', '-----BEGIN PRIVATE KEY-----', '-----END PRIVATE KEY-----', 'postgres://', ':', '@', 'api_key = "', 'password: ', 'token=', '\n', '\r\n', '"', "'", '=', ' ', 'A', '0', '\u0000', '\uFFFD', '🔑', ...Object.values(FAKE_SECRETS).map((f) => f.secret.slice(0, 12))];

describe('scanner core under hostile text', () => {
  it('never throws; every finding points at its secret (property, random text from rule fragments)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 200 }), (parts) => {
        const text = parts.join('');
        for (const f of scanText({ path: 'x.txt', text }, rules)) {
          const line = text.split('\n')[f.line - 1]!;
          expect(line.slice(f.column - 1).startsWith(f.secret.split('\n')[0]!)).toBe(true);
          expect(f.redacted).not.toBe(f.secret);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a planted key is found wherever it sits in random text (property)', () => {
    const key = generateKey('publishable', 'live');
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (before, after) => {
        const sep = (s: string, atEnd: boolean) => (s.length === 0 ? '' : atEnd ? `${s} ` : ` ${s}`);
        const found = scanText({ path: 'x', text: `${sep(before, true)}${key}${sep(after, false)}` }, rules).filter((f) => f.ruleId === 'keyward-key');
        expect(found.map((f) => f.secret)).toEqual([key]);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['one 8 MB line of letters', () => 'a'.repeat(8 << 20)],
    ['one 8 MB line of base64', () => randomBytes(6 << 20).toString('base64')],
    ['a private key header and 4 MB without an end', () => `-----BEGIN PRIVATE KEY-----\n${randomBytes(3 << 20).toString('base64')}`],
    ['repeated prefixes (kw_, AKIA, eyJ, sk_live_)', () => 'kw_pk_live_AKIAeyJ.eyJsk_live_xoxb-api_key=postgres://a:'.repeat(120_000)],
    ['a million assignments', () => 'token=abc\n'.repeat(1_000_000)],
  ])('%s is scanned in bounded time', (_name, make) => {
    const text = make();
    const started = performance.now();
    const found = scanText({ path: 'big.txt', text }, rules);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(found.length).toBeLessThanOrEqual(500);
  });
});

describe('bytes that are not text', () => {
  it('binary garbage is skipped with one warning each; invalid UTF-8 text is still scanned', async () => {
    const dir = path.join(base, 'mixed');
    mkdirSync(dir);
    for (let i = 0; i < 5; i++) writeFileSync(path.join(dir, `blob${i}.bin`), randomBytes(4096));
    const gh = FAKE_SECRETS['github-token']!;
    writeFileSync(path.join(dir, 'latin1.txt'), Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from(`\n${gh.line}\n`)]));
    writeFileSync(path.join(dir, 'empty.txt'), '');
    const r = await runScan((warn) => walkFiles([dir], { maxFileBytes: 1 << 20 }, warn), { rules });
    expect(r.warnings.map((w) => path.basename(w.path)).sort()).toEqual(['blob0.bin', 'blob1.bin', 'blob2.bin', 'blob3.bin', 'blob4.bin']);
    expect(r.findings.map((f) => [path.basename(f.path), f.line, f.ruleId])).toEqual([['latin1.txt', 2, 'github-token']]);
  });

  it('random bytes never crash expand (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const warned: string[] = [];
        const texts = [...(expand({ path: 'f', bytes }, (_p, m) => warned.push(m)) as Iterable<{ text: string }>)];
        expect(texts.length + warned.length).toBe(1);
        expect(isBinary(bytes)).toBe(warned.length === 1);
      }),
      { numRuns: 300 },
    );
  });
});
