import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-attest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(['--data', dir, ...args], { KEYWARD_MASTER_KEYS: '' });

describe('keyward attestation debug-tokens', () => {
  it('creates (shown once), lists (never the value) and revokes', async () => {
    expect((await cli(['init', '--json'])).code).toBe(0);
    const app = JSON.parse((await cli(['apps', 'create', 'demo', '--json'])).stdout) as { id: string };
    const created = JSON.parse((await cli(['attestation', 'debug-tokens', 'create', 'ci', '--app', app.id, '--json'])).stdout) as { token: string; id: string };
    expect(created.token).toMatch(/^kwdbg_[A-Za-z0-9_-]{43}$/);
    const listed = await cli(['attestation', 'debug-tokens', 'list', '--app', app.id, '--json']);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).not.toContain(created.token);
    const revoked = await cli(['attestation', 'debug-tokens', 'revoke', created.id, '--app', app.id, '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).revokedAt).not.toBeNull();
  }, 60_000);
});
