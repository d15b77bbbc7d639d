import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-analytics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(data: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data', data, ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

type Answer = { granularity: string; from: string; to: string; buckets: { start: string; total: number; valid: number; outcomes: Record<string, number> }[] };

describe('keyward analytics verifications', () => {
  it('prints the outcomes of the verifications made (written when each command closed its store), as a table and as JSON', async () => {
    expect((await cli(dir, 'init', '--json')).code).toBe(0);
    const app = JSON.parse((await cli(dir, 'apps', 'create', 'demo', '--json')).stdout) as { id: string };
    const created = JSON.parse((await cli(dir, 'keys', 'create', '--app', app.id, '--kind', 'restricted', '--env', 'live', '--name', 'etl', '--scopes', 'users:read', '--json')).stdout) as { secret: string; key: { id: string } };
    expect((await cli(dir, 'keys', 'verify', created.secret, '--scopes', 'users:read')).code).toBe(0);
    expect((await cli(dir, 'keys', 'verify', created.secret, '--scopes', 'users:read')).code).toBe(0);
    expect((await cli(dir, 'keys', 'verify', created.secret, '--scopes', 'users:write')).code).toBe(1);

    const json = await cli(dir, 'analytics', 'verifications', '--key', created.key.id, '--granularity', 'day', '--json');
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout) as Answer;
    expect(answer.granularity).toBe('day');
    expect(answer.from).toMatch(/T00:00:00\.000Z$/);
    const sum = (code: string) => answer.buckets.reduce((n, b) => n + (b.outcomes[code] ?? 0), 0);
    expect([sum('VALID'), sum('INSUFFICIENT_SCOPES')]).toEqual([2, 1]);

    const tableOut = await cli(dir, 'analytics', 'verifications', '--app', app.id, '--granularity', 'day');
    expect(tableOut.code).toBe(0);
    expect(tableOut.stdout).toMatch(/^day buckets from /);
    expect(tableOut.stdout).toMatch(/START\s+TOTAL\s+VALID\s+INSUFFICIENT_SCOPES/);
    // One row (unless the commands straddled UTC midnight): 3 in all, 2 valid, 1 short of a scope.
    if (answer.buckets.length === 1) expect(tableOut.stdout).toMatch(/Z\s+3\s+2\s+1\n/);

    // The same counts ranked per key, and the security series (nothing attested or reported here).
    const top = JSON.parse((await cli(dir, 'analytics', 'top-keys', '--app', app.id, '--granularity', 'day', '--limit', '5', '--json')).stdout) as { keys: { keyId: string; name: string; total: number; valid: number; rejected: number }[] };
    expect(top.keys).toEqual([expect.objectContaining({ keyId: created.key.id, name: 'etl', total: 3, valid: 2, rejected: 1 })]);
    const events = await cli(dir, 'analytics', 'events', '--app', app.id, '--granularity', 'day', '--json');
    expect(events.code).toBe(0);
    expect(JSON.parse(events.stdout)).toMatchObject({ granularity: 'day', buckets: [] });
  }, 180_000); // eight CLI processes, each starting tsx: slow on a loaded machine

  it('bad flags exit 2 naming the flag; a missing store is STORE_NOT_FOUND and creates nothing', async () => {
    const week = await cli(dir, 'analytics', 'verifications', '--granularity', 'week');
    expect(week.code).toBe(2);
    expect(week.stderr).toContain('error VALIDATION_FAILED: --granularity');
    const from = await cli(dir, 'analytics', 'verifications', '--from', 'yesterday', '--json');
    expect(from.code).toBe(2);
    expect(JSON.parse(from.stderr)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(JSON.parse(from.stderr).error.detail).toContain('--from');
    const inverted = await cli(dir, 'analytics', 'verifications', '--from', '2026-06-02T00:00:00Z', '--to', '2026-06-01T00:00:00Z', '--json');
    expect(inverted.code).toBe(2);
    expect(JSON.parse(inverted.stderr)).toMatchObject({ error: { code: 'VALIDATION_FAILED', errors: [{ flag: '--from' }] } });
    const limit = await cli(dir, 'analytics', 'top-keys', '--limit', '0', '--json');
    expect(limit.code).toBe(2);
    expect(JSON.parse(limit.stderr)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(JSON.parse(limit.stderr).error.detail).toContain('--limit');
    const unknown = await cli(dir, 'analytics', 'verifications', '--app', 'app_0000000000000000000000');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error NOT_FOUND');
    const nowhere = path.join(dir, 'typo');
    const missing = await cli(nowhere, 'analytics', 'verifications');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('STORE_NOT_FOUND');
    expect(existsSync(nowhere)).toBe(false);
  }, 180_000);
});
