import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, blocks, freePort, runScript } from './shell-blocks.js';

/**
 * The README's quickstart, run as pasted: its port is swapped for a free one and KEYWARD_DATA
 * points at a temp directory, nothing else changes.
 */
const data = mkdtempSync(path.join(tmpdir(), 'kw-quick-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe('README quickstart', () => {
  it('runs as pasted: jq takes the ids, the key verifies, the CLI lists it', async () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quickstart'));
    const [script] = blocks(section, 'sh');
    const port = await freePort();
    const r = await runScript(script!.replace(/\b8787\b/g, String(port)), { KEYWARD_DATA: data, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '', KEYWARD_PORT: '', KEYWARD_LOG_LEVEL: 'warn' }, 150_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('{"valid":true,"code":"VALID","kind":"publishable"}');
    expect(section).toContain('prints `{"valid":true,"code":"VALID","kind":"publishable"}`');
    expect(lines[1]).toMatch(/^ID\s+KIND\s+ENVIRONMENT/);
    expect(lines[2]).toMatch(/^key_\w+\s+publishable\s+live\s+iOS app/);
    expect(readdirSync(data)).toContain('keyward.db');
  }, 180_000);
});
