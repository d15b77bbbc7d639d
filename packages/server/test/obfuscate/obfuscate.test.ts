import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKey, type KeyKind } from '@keyward/protocol';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { HONESTY_NOTE, obfuscateKey, type ObfuscateLang } from '../../src/obfuscate/index.js';
import { errorOf, runCli } from '../cli/run-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-obf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = generateKey('publishable', 'live');

/** The TS output, compiled by the TypeScript compiler and run: it must return the exact key. */
function runTs(code: string, name = 'keywardKey'): string {
  const out = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true }, reportDiagnostics: true });
  expect(out.diagnostics ?? []).toEqual([]);
  const exports: Record<string, () => string> = {};
  new Function('exports', out.outputText)(exports);
  return exports[name]!();
}

/** Every form of the key a scanner or a person could grep a binary for. */
function forms(k: string): string[] {
  const b = Buffer.from(k);
  const rev = [...k].reverse().join('');
  return [k, rev, b.toString('base64'), b.toString('base64url'), b.toString('hex'), hexBytes(b), k.slice(11, 43)].flatMap((f) => [f, f.slice(0, 16)]);
}
const hexBytes = (b: Buffer): string => [...b].map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(', ');

/**
 * Swift and Kotlin cannot be compiled here (no swiftc/kotlinc), so their structure is checked and
 * their arrays are reassembled by the same rule the emitted loop states: out[perm[i]] = XOR of the
 * shares at i, where a share is piece A below A's length, else piece B.
 */
function reassembleFromSource(code: string, lang: 'swift' | 'kotlin'): string {
  const arrays = new Map<string, number[]>();
  const decl = lang === 'swift' ? /private let (_k[0-9a-f]{8}): \[UInt8\] = \[([^\]]*)\]/g : /private val (_k[0-9a-f]{8}): IntArray = intArrayOf\(([^)]*)\)/g;
  for (const m of code.matchAll(decl)) arrays.set(m[1]!, m[2]!.split(',').map((v) => Number(v.trim())));
  const piece = lang === 'swift' ? /let s\d+: UInt8 = \(i < (_k\w+)\.count \? \1\[i\] : (_k\w+)\[i - \1\.count\]\)/g : /val s\d+ = if \(i < (_k\w+)\.size\) \1\[i\] else (_k\w+)\[i - \1\.size\]/g;
  const shares = [...code.matchAll(piece)].map((m) => [...arrays.get(m[1]!)!, ...arrays.get(m[2]!)!]);
  const permName = (lang === 'swift' ? /out\[Int\((_k\w+)\[i\]\)\]/ : /out\[(_k\w+)\[i\]\]/).exec(code)![1]!;
  const perm = arrays.get(permName)!;
  expect(arrays.size).toBe(1 + 2 * shares.length);
  const out: number[] = [];
  perm.forEach((p, i) => (out[p] = shares.reduce((acc, s) => acc ^ s[i]!, 0)));
  return String.fromCharCode(...out);
}

const balanced = (code: string): boolean => {
  let depth = 0;
  for (const c of code) {
    if (c === '{' || c === '(' || c === '[') depth++;
    if (c === '}' || c === ')' || c === ']') depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
};

describe('obfuscateKey', () => {
  it('the TypeScript output, compiled and run, returns the exact key, for 2 to 8 shares', () => {
    for (let shares = 2; shares <= 8; shares++) expect(runTs(obfuscateKey(key, { lang: 'ts', shares }))).toBe(key);
    const test = generateKey('publishable', 'test');
    expect(runTs(obfuscateKey(test, { lang: 'ts', name: 'apiKey' }), 'apiKey')).toBe(test);
  });

  it.each(['swift', 'kotlin'] as const)('the %s output holds arrays that reassemble to the key, in well-formed code', (lang) => {
    const code = obfuscateKey(key, { lang, shares: 4 });
    expect(reassembleFromSource(code, lang)).toBe(key);
    expect(balanced(code)).toBe(true);
    expect(code).toContain(lang === 'swift' ? 'enum KeywardKey {' : 'object KeywardKey {');
    expect(code).toContain(lang === 'swift' ? 'static func reveal() -> String' : 'fun reveal(): String');
  });

  it.each(['ts', 'swift', 'kotlin'] as const)('the %s output contains no form of the key, and says what it is not', (lang: ObfuscateLang) => {
    const code = obfuscateKey(key, { lang });
    for (const f of forms(key)) expect(code).not.toContain(f);
    expect(code).not.toContain('kw_pk');
    for (const line of HONESTY_NOTE) expect(code).toContain(line);
  });

  it('each build has fresh masks, order and names: two outputs share no array', () => {
    const arrays = (code: string): Set<string> => new Set([...code.matchAll(/= \[([^\]]+)\]/g)].map((m) => m[1]!));
    const a = obfuscateKey(key, { lang: 'ts' });
    const b = obfuscateKey(key, { lang: 'ts' });
    expect([...arrays(a)].filter((x) => arrays(b).has(x))).toEqual([]);
    expect(runTs(a)).toBe(runTs(b));
  });

  it.each(['secret', 'restricted', 'export', 'bearer', 'device', 'signing', 'session', 'refresh', 'root'] as const)('refuses a %s key with KEY_NOT_PUBLISHABLE, never echoing it', (kind: KeyKind) => {
    const k = generateKey(kind, kind === 'root' ? null : 'live');
    expect(() => obfuscateKey(k, { lang: 'ts' })).toThrow(expect.objectContaining({ code: 'KEY_NOT_PUBLISHABLE' }));
    try {
      obfuscateKey(k, { lang: 'ts' });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(k.slice(11));
    }
  });

  it('refuses anything that is not a checksummed Keyward key with KEY_MALFORMED', () => {
    for (const bad of ['', 'sk_live_abcdef', key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a'), `${key}x`]) {
      expect(() => obfuscateKey(bad, { lang: 'ts' })).toThrow(expect.objectContaining({ code: 'KEY_MALFORMED' }));
    }
  });
});

describe('keyward obfuscate', () => {
  const keyFile = path.join(dir, 'key.txt');
  writeFileSync(keyFile, `${key}\n`);

  it('reads the key from --key-file and prints code that reassembles it', async () => {
    const r = await runCli(['obfuscate', '--lang', 'ts', '--key-file', keyFile]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(runTs(r.stdout)).toBe(key);
  });

  it('reads the key piped on stdin when no argument is given (the real binary)', async () => {
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'obfuscate', '--lang', 'ts'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
      child.stdin.end(`${key}\n`);
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(runTs(stdout)).toBe(key);
  }, 60_000);

  it('accepts the key as an argument with a note about shell history, and writes --output', async () => {
    const file = path.join(dir, 'Key.kt');
    const r = await runCli(['obfuscate', '--lang', 'kotlin', '--output', file, key]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('shell history');
    expect(reassembleFromSource(readFileSync(file, 'utf8'), 'kotlin')).toBe(key);
  });

  it('refuses a secret key with exit code 2 and KEY_NOT_PUBLISHABLE, without printing it', async () => {
    const secret = generateKey('secret', 'live');
    writeFileSync(keyFile, secret);
    const r = await runCli(['--json', 'obfuscate', '--lang', 'swift', '--key-file', keyFile]);
    expect(r.code).toBe(2);
    expect(errorOf(r.stderr).code).toBe('KEY_NOT_PUBLISHABLE');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(secret.slice(11));
    writeFileSync(keyFile, `${key}\n`);
  });

  it('refuses an unknown --lang, and names the flag of a bad --shares or --name', async () => {
    const lang = await runCli(['--json', 'obfuscate', '--lang', 'java', '--key-file', keyFile]);
    expect(lang.code).toBe(2);
    expect(errorOf(lang.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('--lang') });
    for (const [flag, value] of [['--shares', '1'], ['--shares', 'x'], ['--name', '1bad']] as const) {
      const r = await runCli(['--json', 'obfuscate', '--lang', 'ts', '--key-file', keyFile, flag, value]);
      expect(r.code).toBe(2);
      expect(errorOf(r.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ flag }] });
    }
  });
});
