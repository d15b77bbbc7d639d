import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data', dir, ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('keyward CLI', () => {
  it('init, apps, keys, verify, rotate, revoke and audit verify, as a script would use them', async () => {
    const init = await cli('init', '--json');
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout).rootKey).toMatch(/^kw_root_/);
    const again = await cli('init', '--json');
    expect(again.code).toBe(2);

    const app = JSON.parse((await cli('apps', 'create', 'demo', '--json')).stdout);
    expect(app.id).toMatch(/^app_/);
    expect((await cli('apps', 'list')).stdout).toContain('demo');

    const created = JSON.parse((await cli('keys', 'create', '--app', app.id, '--kind', 'restricted', '--env', 'live', '--name', 'etl', '--scopes', 'users:read,tags:read', '--json')).stdout);
    expect(created.secret).toMatch(/^kw_rk_live_/);

    const ok = await cli('keys', 'verify', created.secret, '--scopes', 'users:read', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, code: 'VALID' });
    const denied = await cli('keys', 'verify', created.secret, '--scopes', 'users:write', '--json');
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout).code).toBe('INSUFFICIENT_SCOPES');

    const rotated = JSON.parse((await cli('keys', 'rotate', created.key.id, '--grace-seconds', '0', '--json')).stdout);
    expect(rotated.secret).not.toBe(created.secret);
    expect((await cli('keys', 'verify', created.secret)).code).toBe(1);
    expect((await cli('keys', 'verify', rotated.secret)).code).toBe(0);

    expect((await cli('keys', 'revoke', created.key.id, '--reason', 'done', '--json')).code).toBe(0);
    expect((await cli('keys', 'verify', rotated.secret)).code).toBe(1);

    const listed = await cli('keys', 'list', '--app', app.id, '--include-revoked');
    expect(listed.stdout).toContain(created.key.id);
    expect(listed.stdout).not.toContain(created.secret);

    const metered = JSON.parse((await cli('keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'live', '--name', 'metered', '--credits', '1', '--refill', 'daily', '--json')).stdout);
    expect(metered.key.credits).toEqual({ amount: 1, refill: 'daily', remaining: 1 });
    expect(JSON.parse((await cli('keys', 'verify', metered.secret, '--json')).stdout)).toMatchObject({ valid: true, creditsRemaining: 0 });
    const spent = await cli('keys', 'verify', metered.secret, '--json');
    expect(spent.code).toBe(1);
    expect(JSON.parse(spent.stdout).code).toBe('USAGE_EXCEEDED');
    expect((await cli('keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'live', '--name', 'x', '--refill', 'daily')).code).toBe(2);

    const audit = await cli('audit', 'verify', '--json');
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true });
  }, 300_000); // about twenty spawned CLI runs: seconds each on a loaded machine

  it('bad input exits 2 with a code and no stack trace', async () => {
    const bad = await cli('keys', 'verify', 'kw_sk_live_nope', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).error.code).toBe('KEY_MALFORMED');
    const badKind = await cli('keys', 'create', '--app', 'app_x', '--kind', 'root', '--env', 'live', '--name', 'x');
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('VALIDATION_FAILED');
    expect(badKind.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 60_000);
});

describe('keyward policy and gateway', () => {
  it('policy check lists problems with file:line; the gateway refuses to start on a bad map', async () => {
    const { writeFileSync } = await import('node:fs');
    const good = path.join(dir, 'good.yaml');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(good, 'version: 1\nresources:\n  - path: /x/{id}\n    allow: [secret]\n');
    writeFileSync(bad, 'version: 1\nresources:\n  - path: /x\n    allow: [wizard]\n    subject: id\n');
    const ok = await cli('policy', 'check', good, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, resources: 1 });
    const failed = await cli('policy', 'check', bad, '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).problems.map((p: { line: number; path: string }) => `${p.line}:${p.path}`)).toEqual(['4:resources.0.allow.0', '5:resources.0.subject']);
    const gw = await cli('gateway', '--upstream', 'http://127.0.0.1:9', '--policy', bad, '--port', '0');
    expect(gw.code).toBe(2);
    expect(gw.stderr).toContain('POLICY_INVALID');
    expect(gw.stderr).toContain('bad.yaml:4');
  }, 60_000);

  it('policy explain says why a key may or may not make a call', async () => {
    const { writeFileSync } = await import('node:fs');
    const map = path.join(dir, 'explain.yaml');
    writeFileSync(map, 'version: 1\nresources:\n  - path: /users/{userId}\n    allow: [publishable]\n    subject: userId\n');
    const app = JSON.parse((await cli('apps', 'create', 'explain', '--json')).stdout);
    const pk = JSON.parse((await cli('keys', 'create', '--app', app.id, '--kind', 'publishable', '--env', 'live', '--name', 'app', '--json')).stdout).secret;
    const allowed = await cli('policy', 'explain', 'GET', '/users/u1', '--policy', map, '--key', pk, '--subject', 'u1', '--json');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout).allowed).toBe(true);
    const denied = await cli('policy', 'explain', 'GET', '/users/u2', '--policy', map, '--key', pk, '--subject', 'u1');
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('DENIED SUBJECT_MISMATCH');
    expect(denied.stdout.match(/SUBJECT_MISMATCH/g)).toHaveLength(2); // the verdict, and the step once (not "SUBJECT_MISMATCH: SUBJECT_MISMATCH")

    writeFileSync(map, 'version: 1\nresources:\n  - path: /users/{userId}\n    allow: [publishable]\n    subject: userId\n    require: [signature]\n');
    const unsigned = await cli('policy', 'explain', 'GET', '/users/u1', '--policy', map, '--key', pk, '--subject', 'u1', '--json');
    expect(unsigned.code).toBe(1);
    expect(JSON.parse(unsigned.stdout).code).toBe('SIGNATURE_REQUIRED');
    const signed = await cli('policy', 'explain', 'GET', '/users/u1', '--policy', map, '--key', pk, '--subject', 'u1', '--assume-signed', '--json');
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.stdout).allowed).toBe(true);
  }, 60_000);
});

describe('keyward signing-keys', () => {
  it('rotate publishes first, refuses a second pending rotation, and rotates at once with --immediate', async () => {
    const first = await cli('signing-keys', 'rotate', '--alg', 'ES256', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ alg: 'ES256', state: 'active' }); // nothing signed ES256 yet
    const second = JSON.parse((await cli('signing-keys', 'rotate', '--alg', 'ES256', '--json')).stdout);
    expect(second.state).toBe('pending');
    expect(Date.parse(second.activatesAt)).toBeGreaterThan(Date.parse(second.createdAt));
    const third = await cli('signing-keys', 'rotate', '--alg', 'ES256', '--json');
    expect(third.code).toBe(2);
    expect(JSON.parse(third.stderr).error.code).toBe('CONFLICT');
    const emergency = await cli('signing-keys', 'rotate', '--alg', 'ES256', '--immediate', '--revoke-previous', '--json');
    expect(emergency.code).toBe(0);
    expect(JSON.parse(emergency.stdout).state).toBe('active');
    const bad = await cli('signing-keys', 'rotate', '--revoke-previous', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).error.code).toBe('VALIDATION_FAILED');
    expect((await cli('signing-keys', 'rotate', '--alg', 'HS256')).code).toBe(2);
  }, 60_000);
});
