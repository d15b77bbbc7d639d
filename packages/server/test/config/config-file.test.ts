import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/config/config.js';
import { readConfigFile } from '../../src/config/config-file.js';
import { errorOf, runCli } from '../cli/run-in-process.js';

/** `--config FILE`: the KEYWARD_* settings in YAML, one schema, overridden by variables and flags. */
const dir = mkdtempSync(path.join(tmpdir(), 'kw-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const problems = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('no ConfigError');
};

describe('config file', () => {
  it('sets values; KEYWARD_* variables override it and flags override both', () => {
    const cfg = readConfigFile(file('a.yaml', 'port: 9100\ncacheTtlMs: 5000\nlogFormat: json\ntokenIssuer: https://auth.example\n'));
    expect(loadConfig({}, {}, cfg)).toMatchObject({ port: 9100, cacheTtlMs: 5000, logFormat: 'json', tokenIssuer: 'https://auth.example', host: DEFAULT_CONFIG.host });
    expect(loadConfig({}, { KEYWARD_PORT: '9200' }, cfg).port).toBe(9200);
    expect(loadConfig({ port: '9300' }, { KEYWARD_PORT: '9200' }, cfg).port).toBe(9300);
  });

  it('an unknown key is refused, naming the file and the key', () => {
    const p = file('typo.yaml', 'port: 9100\ncacheTTLms: 5000\nmasterKeys: m1:abc\n');
    const found = problems(() => readConfigFile(p));
    expect(found).toHaveLength(2);
    expect(found[0]).toContain(`${p}: cacheTTLms: unknown setting`);
    expect(found[1]).toContain(`${p}: masterKeys: unknown setting`);
  });

  it('a bad value is refused by the same checks as the variable, naming the file and key', () => {
    const p = file('bad.yaml', 'port: 70000\nhost: 999.1.1.1\nlogLevel: loud\n');
    const found = problems(() => loadConfig({}, {}, readConfigFile(p)));
    expect(found).toEqual([expect.stringContaining(`${p}: logLevel=loud`), expect.stringContaining(`${p}: port=70000`), expect.stringContaining(`${p}: host=999.1.1.1`)]);
    expect(problems(() => readConfigFile(file('list.yaml', '- port\n')))[0]).toContain('must be a mapping');
    expect(problems(() => readConfigFile(file('nested.yaml', 'port: { a: 1 }\n')))[0]).toContain(': port: must be a number, a string or true/false');
    expect(problems(() => readConfigFile(file('broken.yaml', 'port: [1\n')))[0]).toMatch(/broken\.yaml:\d+: /);
    expect(problems(() => readConfigFile(path.join(dir, 'missing.yaml')))[0]).toContain('no such file');
  });

  it('the CLI reads --config (dataDir from the file) and a bad file stops it with exit 2 before any store exists', async () => {
    const data = path.join(dir, 'store');
    const good = file('cli.yaml', `dataDir: ${data}\n`);
    const init = await runCli(['--config', good, 'init', '--json'], { KEYWARD_MASTER_KEYS: '', KEYWARD_DATA: undefined });
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout).dataDir).toBe(data);
    expect((await runCli(['apps', 'list', '--config', good, '--json'], { KEYWARD_MASTER_KEYS: '', KEYWARD_DATA: undefined })).code).toBe(0);

    const other = path.join(dir, 'never');
    const bad = file('cli-bad.yaml', `dataDir: ${other}\nportt: 1\n`);
    const r = await runCli(['--config', bad, 'init', '--json'], { KEYWARD_MASTER_KEYS: '', KEYWARD_DATA: undefined });
    expect(r.code).toBe(2);
    expect(errorOf(r.stderr)).toMatchObject({ code: 'CONFIG_INVALID', detail: expect.stringContaining(`${bad}: portt`) });
    expect(existsSync(other)).toBe(false);
  });
});
