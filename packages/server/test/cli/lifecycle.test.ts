import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, keysDeep, runCli } from './run-in-process.js';

/**
 * Every lifecycle command of the API on the command line, printing the API's views: ISO times
 * (`expiresAt`, never `expiresAtMs`), lists as `{ items }`, and one `{ error }` shape whose field
 * errors name flags, not body pointers.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kw-life-'));
const env = { KEYWARD_MASTER_KEYS: '', KEYWARD_DATA: undefined };
const cli = (...args: string[]) => runCli(['--data', dir, ...args], env);
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
let appId = '';

/** No field named like a millisecond timestamp, and every *At field is null or an RFC 3339 time. */
function expectApiNames(value: unknown): void {
  expect(keysDeep(value).filter((k) => /Ms$/.test(k))).toEqual([]);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (/At$/.test(k)) expect(x === null || ISO.test(String(x)), `${k}=${String(x)}`).toBe(true);
        else walk(x);
      }
    }
  };
  walk(value);
}

beforeAll(async () => {
  expect((await cli('init', '--json')).code).toBe(0);
  appId = (await json('apps', 'create', 'life')).id as string;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keyward apps', () => {
  it('get and update show the API view; update changes only what is given', async () => {
    const got = await json('apps', 'get', appId);
    expect(got).toMatchObject({ id: appId, name: 'life', settings: { maxTokenTtlSeconds: 3600 } });
    expectApiNames(got);
    const updated = await json('apps', 'update', appId, '--name', 'renamed', '--max-token-ttl-seconds', '600', '--revoke-keys-seen-in-urls');
    expect(updated).toMatchObject({ name: 'renamed', version: got.version + 1, settings: { maxTokenTtlSeconds: 600, revokeKeysSeenInUrls: true, defaultRotationGraceSeconds: got.settings.defaultRotationGraceSeconds } });
    const list = await json('apps', 'list');
    expect(list.items.map((a: { id: string }) => a.id)).toContain(appId);
  });

  it('a setting out of the API schema range names its flag and changes nothing', async () => {
    const before = await json('audit', 'list', '--limit', '1000');
    const r = await cli('apps', 'update', appId, '--signature-skew-seconds', '900', '--json');
    expect(r.code).toBe(2);
    expect(errorOf(r.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ flag: '--signature-skew-seconds' }] });
    expect(r.stderr).not.toContain('/body');
    expect((await json('audit', 'list', '--limit', '1000')).head).toEqual(before.head);
    const none = await cli('apps', 'update', appId, '--json');
    expect(none.code).toBe(2);
    expect(errorOf(none.stderr).code).toBe('VALIDATION_FAILED');
  });
});

describe('keyward keys', () => {
  it('create with a rate limit and credits; get, update, disable, enable, reissue', async () => {
    const created = await json('keys', 'create', '--app', appId, '--kind', 'secret', '--env', 'live', '--name', 'metered', '--rate-limit', '100/60', '--burst', '20', '--credits', '50', '--refill', 'monthly', '--meta', '{"plan":"pro"}', '--expires-in-seconds', '3600');
    expectApiNames(created);
    expect(created.key).toMatchObject({ ratelimit: { rate: 100, windowSeconds: 60, burst: 20 }, credits: { amount: 50, refill: 'monthly', remaining: 50 }, meta: { plan: 'pro' } });
    expect(Date.parse(created.key.expiresAt)).toBeGreaterThan(Date.now());
    const id = created.key.id as string;

    const got = await json('keys', 'get', id);
    expect(got).toMatchObject({ id, name: 'metered' });
    expect(JSON.stringify(got)).not.toContain(created.secret);

    const updated = await json('keys', 'update', id, '--no-rate-limit', '--credits', '5', '--scopes', 'users:read', '--no-expires-at');
    expect(updated).toMatchObject({ ratelimit: null, credits: { amount: 5, refill: null, remaining: 5 }, scopes: ['users:read'], expiresAt: null, meta: { plan: 'pro' } });

    expect((await json('keys', 'disable', id)).enabled).toBe(false);
    const disabled = await cli('keys', 'verify', created.secret, '--json');
    expect(disabled.code).toBe(1);
    expect(JSON.parse(disabled.stdout).code).toBe('CREDENTIAL_DISABLED');
    expect((await json('keys', 'enable', id)).enabled).toBe(true);
    expect((await cli('keys', 'verify', created.secret)).code).toBe(0);

    const reissued = await json('keys', 'reissue', id);
    expect(reissued.key).toMatchObject({ reissuedFromId: id, scopes: ['users:read'], credits: { amount: 5 } });
    expect((await cli('keys', 'verify', created.secret)).code).toBe(1);
    expect((await cli('keys', 'verify', reissued.secret as string)).code).toBe(0);
    expect((await json('keys', 'get', id)).revokedAt).toMatch(ISO);

    const listed = await json('keys', 'list', '--app', appId, '--include-revoked');
    expect(listed.items.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([id, reissued.key.id]));
    expectApiNames(listed);
  });

  it('bad settings name their flags, exit 2 and create no key', async () => {
    const before = await json('keys', 'list', '--app', appId, '--include-revoked');
    const head = (await json('audit', 'list', '--limit', '1')).head;
    const cases: [string[], string][] = [
      [['--kind', 'restricted'], '--scopes'],
      [['--kind', 'secret', '--ip-allow', '10.0.0.999'], '--ip-allow'],
      [['--kind', 'publishable', '--client-cert-sha256', 'a'.repeat(64)], '--client-cert-sha256'],
      [['--kind', 'secret', '--credits', '0'], '--credits'],
      [['--kind', 'secret', '--rate-limit', '100'], '--rate-limit'],
      [['--kind', 'secret', '--burst', '5'], '--burst'],
      [['--kind', 'secret', '--credits', '5', '--refill', 'weekly'], '--refill'],
      [['--kind', 'secret', '--meta', '[1]'], '--meta'],
      [['--kind', 'secret', '--expires-at', 'tomorrow'], '--expires-at'],
      [['--kind', 'wizard'], '--kind'],
      [['--kind', 'secret', '--env', 'prod'], '--env'],
    ];
    for (const [flags, flag] of cases) {
      const r = await cli('keys', 'create', '--app', appId, '--env', 'live', '--name', 'bad', ...flags, '--json');
      expect(r.code, flags.join(' ')).toBe(2);
      const error = errorOf(r.stderr);
      expect(error.code, flags.join(' ')).toBe('VALIDATION_FAILED');
      expect(error.detail, flags.join(' ')).toContain(flag);
      expect(error.detail).not.toMatch(/\/body|\/credits|\/scopes/);
    }
    expect((await json('keys', 'list', '--app', appId, '--include-revoked')).items).toEqual(before.items);
    expect((await json('audit', 'list', '--limit', '1')).head).toEqual(head);
  });

  it('a usage error has the same JSON shape as a service error', async () => {
    const missing = await cli('keys', 'create', '--app', appId, '--json');
    expect(missing.code).toBe(2);
    expect(Object.keys(JSON.parse(missing.stderr))).toEqual(['error']);
    expect(errorOf(missing.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('--kind') });
    const unknown = await cli('keys', 'list', '--app', appId, '--colour', '--json');
    expect(errorOf(unknown.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('--colour') });
    const group = await cli('keys');
    expect(group.code).toBe(2); // the group's help on stderr, no second line
    expect(group.stderr).toContain('Usage: keyward keys');
    expect(group.stderr).not.toContain('error ');
    const text = await cli('keys', 'get', 'key_nope');
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^error [A-Z_]+: /);
  });
});

describe('keyward apps delete', () => {
  it('is refused (exit 2, APP_HAS_CREDENTIALS) while the app has a live key; --force revokes it with the app', async () => {
    const app = (await json('apps', 'create', 'doomed')).id as string;
    const key = await json('keys', 'create', '--app', app, '--kind', 'secret', '--env', 'live', '--name', 'backend');
    const refused = await cli('apps', 'delete', app, '--json');
    expect(refused.code).toBe(2);
    expect(errorOf(refused.stderr).code).toBe('APP_HAS_CREDENTIALS');
    expect((await json('apps', 'get', app)).id).toBe(app);
    const deleted = await json('apps', 'delete', app, '--force', '--reason', 'customer left');
    expect(deleted).toEqual({ id: app, deleted: true, revokedKeys: [key.key.id], revokedSessions: 0, revokedDevices: 0 });
    expect((await json('keys', 'get', key.key.id)).revokedReason).toBe('customer left');
    expect((await cli('keys', 'verify', key.secret, '--json')).code).toBe(1);
    expect(errorOf((await cli('apps', 'get', app, '--json')).stderr).code).toBe('NOT_FOUND');
    expect((await json('apps', 'list')).items.map((a: { id: string }) => a.id)).not.toContain(app);
  });
});

describe('keyward audit, sessions and tokens', () => {
  it('audit list pages with --after and next, filters by --target', async () => {
    const first = await json('audit', 'list', '--limit', '2');
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(String(first.items[1].seq));
    expectApiNames(first);
    const second = await json('audit', 'list', '--limit', '2', '--after', first.next);
    expect(second.items[0].seq).toBe(first.items[1].seq + 1);
    const target = await json('audit', 'list', '--target', appId);
    expect(target.items.length).toBeGreaterThan(0);
    expect(target.items.every((r: { target: string }) => r.target === appId)).toBe(true);
    expect((await cli('audit', 'list', '--limit', '0', '--json')).code).toBe(2);
  });

  it('sessions: create, list per subject, revoke one, revoke all of a subject', async () => {
    const a = await json('sessions', 'create', '--app', appId, '--env', 'live', '--subject', 'u1', '--platform', 'ios');
    await json('sessions', 'create', '--app', appId, '--env', 'live', '--subject', 'u1');
    await json('sessions', 'create', '--app', appId, '--env', 'live', '--subject', 'u2');
    expectApiNames(a);
    expect(a.sessionKey).toMatch(/^kw_/);
    const u1 = await json('sessions', 'list', '--app', appId, '--env', 'live', '--subject', 'u1');
    expect(u1.items).toHaveLength(2);
    expect(JSON.stringify(u1)).not.toContain(a.sessionKey);
    const revoked = await json('sessions', 'revoke', a.session.id, '--reason', 'lost phone');
    expect(revoked).toMatchObject({ id: a.session.id, revokedReason: 'lost phone' });
    expect((await json('sessions', 'revoke-subject', 'u1', '--app', appId, '--env', 'live')).revoked).toBe(1);
    expect((await json('sessions', 'list', '--app', appId, '--env', 'live', '--subject', 'u1')).items).toHaveLength(0);
    expect((await json('sessions', 'list', '--app', appId, '--env', 'live')).items).toHaveLength(1);
    const noEnv = await cli('sessions', 'list', '--app', appId, '--json');
    expect(errorOf(noEnv.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('--env') });
  });

  it('tokens: mint and verify; a single-use token verifies once; bad claims name --claims', async () => {
    const minted = await json('tokens', 'mint', '--app', appId, '--env', 'live', '--subject', 'u1', '--audience', 'uploads', '--scopes', 'files:write', '--ttl-seconds', '60', '--single-use');
    expect(Object.keys(minted).sort()).toEqual(['expiresAt', 'jti', 'kid', 'token']);
    expectApiNames(minted);
    const ok = await json('tokens', 'verify', minted.token, '--audience', 'uploads', '--scopes', 'files:write');
    expect(ok).toMatchObject({ valid: true, subject: 'u1', singleUse: true, jti: minted.jti });
    const again = await cli('tokens', 'verify', minted.token, '--audience', 'uploads', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).code).toBe('TOKEN_ALREADY_USED');
    const reserved = await cli('tokens', 'mint', '--app', appId, '--env', 'live', '--subject', 'u1', '--audience', 'a', '--ttl-seconds', '60', '--claims', '{"kw_attested":true}', '--json');
    expect(errorOf(reserved.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ flag: '--claims' }] });
    const tooLong = await cli('tokens', 'mint', '--app', appId, '--env', 'live', '--subject', 'u1', '--audience', 'a', '--ttl-seconds', '7200', '--json');
    expect(errorOf(tooLong.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ flag: '--ttl-seconds' }] });
    const jwks = await json('signing-keys', 'list');
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(minted.kid);
  });

  it('tokens revoke: the token is refused from then on, audited once; bad input names the flag and writes nothing', async () => {
    const minted = await json('tokens', 'mint', '--app', appId, '--env', 'live', '--subject', 'u2', '--audience', 'uploads', '--ttl-seconds', '60');
    expect((await json('tokens', 'verify', minted.token, '--audience', 'uploads')).valid).toBe(true);
    const bad = await cli('tokens', 'revoke', 'not a jti', '--app', appId, '--env', 'live', '--json');
    expect(bad.code).toBe(2);
    expect(errorOf(bad.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('<jti>') });
    const noEnv = await cli('tokens', 'revoke', minted.jti, '--app', appId, '--json');
    expect(noEnv.code).toBe(2);
    expect((await json('audit', 'list', '--target', minted.jti)).items).toEqual([]);
    const revoked = await json('tokens', 'revoke', minted.jti, '--app', appId, '--env', 'live', '--reason', 'leaked');
    expect(revoked).toMatchObject({ jti: minted.jti, appId, environment: 'live', revoked: true, alreadyRevoked: false, reason: 'leaked' });
    expectApiNames(revoked);
    const refused = await cli('tokens', 'verify', minted.token, '--audience', 'uploads', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).code).toBe('TOKEN_INVALID');
    expect((await json('tokens', 'revoke', minted.jti, '--app', appId, '--env', 'live')).alreadyRevoked).toBe(true);
    expect((await json('audit', 'list', '--target', minted.jti)).items.map((r: { action: string }) => r.action)).toEqual(['token.revoke']);
  });
});
