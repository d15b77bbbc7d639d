import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from './run-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-operators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real CLI as a child process, answering in JSON. */
const cli = (args: string[]) => spawnCli(dir, ['--json', ...args]);

describe('keyward root-keys', () => {
  it('creates with permissions and apps, lists, rotates and revokes; refuses unknown permissions (naming the flag) and the last full-power key', { timeout: 180_000 }, async () => {
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

describe('keyward identities', () => {
  it('creates, lists, gets, updates and deletes; bad flags name the flag and create nothing; a taken externalId is CONFLICT', { timeout: 180_000 }, async () => {
    const app = JSON.parse((await cli(['apps', 'create', 'ids'])).stdout) as { id: string };
    for (const [args, flag] of [
      [['--meta', 'not json'], '--meta'],
      [['--ratelimit', '10'], '--ratelimit'],
      [['--refill', 'daily'], '--refill'],
      [['--credits', '0'], '--credits'],
    ] as const) {
      const bad = await cli(['identities', 'create', '--app', app.id, '--external-id', 'org_1', ...args]);
      expect(bad.code, flag).toBe(2);
      expect(JSON.parse(bad.stderr).error.detail).toContain(flag);
    }
    expect(JSON.parse((await cli(['identities', 'list', '--app', app.id])).stdout).items).toEqual([]);
    const made = await cli(['identities', 'create', '--app', app.id, '--external-id', 'org_1', '--meta', '{"plan":"pro"}', '--ratelimit', '100/60', '--credits', '500', '--refill', 'monthly']);
    expect(made.code, made.stderr).toBe(0);
    const identity = JSON.parse(made.stdout) as { id: string };
    expect(JSON.parse(made.stdout)).toMatchObject({ externalId: 'org_1', meta: { plan: 'pro' }, ratelimit: { rate: 100, windowSeconds: 60, burst: 100 }, credits: { amount: 500, refill: 'monthly', remaining: 500 } });
    expect(JSON.parse((await cli(['identities', 'create', '--app', app.id, '--external-id', 'org_1'])).stderr).error.code).toBe('CONFLICT');
    const updated = JSON.parse((await cli(['identities', 'update', identity.id, '--no-ratelimit', '--meta', '{"plan":"team"}'])).stdout);
    expect(updated).toMatchObject({ ratelimit: null, meta: { plan: 'team' }, version: 2 });
    expect(JSON.parse((await cli(['identities', 'get', identity.id])).stdout).id).toBe(identity.id);
    expect(JSON.parse((await cli(['identities', 'delete', identity.id])).stdout)).toEqual({ id: identity.id, deleted: true, detachedKeys: [] });
    expect(JSON.parse((await cli(['identities', 'get', identity.id])).stderr).error.code).toBe('NOT_FOUND');
  });

  it('keys create/update --identity attach and --no-identity detaches; an identity of another app names --identity and creates no key', { timeout: 180_000 }, async () => {
    const app = JSON.parse((await cli(['apps', 'create', 'ids-keys'])).stdout) as { id: string };
    const other = JSON.parse((await cli(['apps', 'create', 'ids-other'])).stdout) as { id: string };
    const identity = JSON.parse((await cli(['identities', 'create', '--app', app.id, '--external-id', 'org_k'])).stdout) as { id: string };

    const wrong = await cli(['keys', 'create', '--app', other.id, '--kind', 'secret', '--env', 'test', '--name', 'x', '--identity', identity.id]);
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.stderr).error).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ flag: '--identity' }] });
    expect(JSON.parse((await cli(['keys', 'list', '--app', other.id])).stdout).items).toEqual([]);

    const made = await cli(['keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'test', '--name', 'k', '--identity', identity.id]);
    expect(made.code, made.stderr).toBe(0);
    const key = JSON.parse(made.stdout).key as { id: string; identityId: string | null };
    expect(key.identityId).toBe(identity.id);
    const detached = JSON.parse((await cli(['keys', 'update', key.id, '--no-identity'])).stdout) as { identityId: string | null };
    expect(detached.identityId).toBeNull();
  });
});
