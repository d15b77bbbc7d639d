import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-rootkeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--data', dir, '--json', ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

describe('keyward root-keys', () => {
  it('creates with permissions and apps, lists, rotates and revokes; refuses unknown permissions (naming the flag) and the last full-power key', async () => {
    const init = await cli(['init']);
    expect(init.code).toBe(0);
    const firstId = JSON.parse(init.stdout).rootKeyId as string;
    const app = JSON.parse((await cli(['apps', 'create', 'demo'])).stdout) as { id: string };

    const bad = await cli(['root-keys', 'create', '--name', 'x', '--permissions', 'apps:read,apps:fly']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.parse(bad.stderr).error.detail).toContain('--permissions');

    const made = await cli(['root-keys', 'create', '--name', 'ci', '--permissions', 'keys:write,keys:read', '--apps', app.id]);
    expect(made.code, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout) as { key: { id: string; permissions: string[]; appIds: string[] }; secret: string };
    expect(created.key).toMatchObject({ permissions: ['keys:read', 'keys:write'], appIds: [app.id] });
    expect(created.secret).toMatch(/^kw_root_/);

    const listed = JSON.parse((await cli(['root-keys', 'list'])).stdout) as { items: { id: string; permissions: string[] }[] };
    expect(listed.items.map((k) => k.id).sort()).toEqual([firstId, created.key.id].sort());
    expect(listed.items.find((k) => k.id === firstId)?.permissions).toEqual(['*']);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const rotated = await cli(['root-keys', 'rotate', created.key.id]);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout).secret).not.toBe(created.secret);

    const last = await cli(['root-keys', 'revoke', firstId, '--reason', 'oops']);
    expect(last.code).toBe(2);
    expect(JSON.parse(last.stderr).error.code).toBe('LAST_ROOT_KEY');

    const revoked = await cli(['root-keys', 'revoke', created.key.id, '--reason', 'done']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).revokedAt).not.toBeNull();
  });
});
