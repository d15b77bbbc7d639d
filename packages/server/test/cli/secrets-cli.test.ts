import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from './run-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real CLI as a child process, with `input` on its stdin. */
const cli = (args: string[], input = '') => spawnCli(dir, args, input);

describe('keyward secrets set', () => {
  it('refuses a value with CR/LF or NUL inside (VALIDATION_FAILED, exit 2), accepts a clean one (one trailing newline is stdin framing)', async () => {
    expect((await cli(['init', '--json'])).code).toBe(0);
    const app = JSON.parse((await cli(['apps', 'create', 'demo', '--json'])).stdout) as { id: string };
    for (const value of ['sk-abc\r\nX-Injected: yes\n', 'sk-abc\u0000def\n', 'sk-one\nsk-two\n']) {
      const r = await cli(['secrets', 'set', 'openai', '--app', app.id, '--env', 'live', '--json'], value);
      expect(r.code, JSON.stringify(value)).toBe(2);
      expect(JSON.parse(r.stderr).error.code).toBe('VALIDATION_FAILED');
    }
    const ok = await cli(['secrets', 'set', 'openai', '--app', app.id, '--env', 'live', '--json'], 'sk-clean-value-1234\n');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ name: 'openai', created: true });
  }, 120_000); // six spawned CLI runs: seconds each on a loaded machine
});
