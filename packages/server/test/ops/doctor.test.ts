import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config/config.js';
import { createKeyward } from '../../src/keyward.js';
import { Keyring } from '../../src/lib/sealed.js';
import { openRedisProbe } from '../../src/ops/redis-probe.js';
import { runDoctor, skewCheck, type DoctorInput } from '../../src/ops/doctor.js';
import { runCli } from '../cli/run-in-process.js';
import { freshSchema, PG_URL } from '../store/pg-harness.js';
import { freePort } from '../support/private-pg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GOOD_MAP = path.resolve(here, '../../../../examples/minimal/access-map.yaml');
const dir = mkdtempSync(path.join(tmpdir(), 'kw-doctor-'));
const m1 = { id: 'm1', key: randomBytes(32) };
const MASTER = `m1:${m1.key.toString('base64')}`;
let sqliteDir: string;
let redisNoLua: { child: ChildProcess; port: number } | undefined;

beforeAll(async () => {
  // A SQLite store holding one sealed value (a server secret) under master key m1.
  sqliteDir = path.join(dir, 'store');
  const kw = await createKeyward({ config: { dataDir: sqliteDir, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 }, keyring: new Keyring([m1]) });
  const app = await kw.apps.create({ name: 'doc' }, { actor: 't', requestId: 'r' });
  await kw.secrets.set({ appId: app.id, environment: 'live', name: 'upstream_key', value: 'sk_0123456789abcdef' }, { actor: 't', requestId: 'r' });
  await kw.close();
  // A Redis without scripting: EVAL renamed away, as some managed offerings do.
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--rename-command', 'EVAL', '', '--rename-command', 'EVALSHA', ''], { stdio: 'ignore' });
  redisNoLua = { child, port };
  for (let i = 0; i < 100; i++) {
    const probe = await openRedisProbe(`redis://127.0.0.1:${port}`, 500).catch(() => undefined);
    if (probe) {
      probe.close();
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(() => {
  redisNoLua?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The doctor on `env` (and flags), as the CLI assembles its input. */
function input(env: Record<string, string>, extra: Partial<DoctorInput> = {}): DoctorInput {
  let config;
  try {
    config = loadConfig({}, env);
  } catch (err) {
    config = err as ConfigError;
  }
  return { config, env, maxSkewMs: 1000, timeoutMs: 1500, ...extra };
}
const check = async (i: DoctorInput, name: string) => (await runDoctor(i)).checks.find((c) => c.name === name);
const sqliteEnv = () => ({ KEYWARD_DATA: sqliteDir, KEYWARD_MASTER_KEYS: MASTER });

function tlsPair(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { cert, key };
}

describe('keyward doctor', () => {
  it('a healthy SQLite deployment: every check passes and the exit code is 0', async () => {
    const { cert, key } = tlsPair('good');
    const r = await runCli(['doctor', '--tls-cert', cert, '--tls-key', key, '--policy', GOOD_MAP, '--redis-url', 'redis://127.0.0.1:6379', '--json'], { ...sqliteEnv(), KEYWARD_REDIS_URL: undefined });
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status]))).toMatchObject({ config: 'ok', 'master-key': 'ok', store: 'ok', 'sealed-secrets': 'ok', redis: 'ok', 'redis-lua': 'ok', 'clock-redis': 'ok', tls: 'ok', 'access-map': 'ok' });
    expect(r.code).toBe(0);
  });

  it('an invalid variable fails the config check, names it, and exits 1', async () => {
    const r = await runCli(['doctor', '--json'], { ...sqliteEnv(), KEYWARD_PORT: 'eighty' });
    expect(r.code).toBe(1);
    const c = (JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] }).checks[0]!;
    expect(c).toMatchObject({ name: 'config', status: 'fail' });
    expect(c.detail).toContain('KEYWARD_PORT');
    expect(c.fix).toBeTruthy();
  });

  it('store: a data directory without a store fails (and the doctor creates nothing there)', async () => {
    const empty = path.join(dir, 'empty');
    expect(await check(input({ KEYWARD_DATA: empty }), 'store')).toMatchObject({ status: 'fail' });
    expect(await check(input({ KEYWARD_DATA: empty }), 'master-key')).toMatchObject({ status: 'warn' });
    expect(() => execFileSync('ls', [empty], { stdio: 'ignore' })).toThrow();
  });

  it('store: an unreachable PostgreSQL fails within the timeout and never shows the password; a database without a store fails', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const down = await check(input({ KEYWARD_DATABASE_URL: `postgres://kw:hunter2secret@127.0.0.1:${port}/kw`, KEYWARD_MASTER_KEYS: MASTER }), 'store');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(down).toMatchObject({ status: 'fail' });
    expect(JSON.stringify(down)).not.toContain('hunter2secret');
    const schema = await freshSchema();
    const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const report = await runDoctor(input({ KEYWARD_DATABASE_URL: url, KEYWARD_MASTER_KEYS: MASTER }));
    expect(report.checks.find((c) => c.name === 'store')).toMatchObject({ status: 'fail' });
    expect(report.checks.find((c) => c.name === 'clock-postgres')).toMatchObject({ status: 'ok' });
  });

  it('master keys: none on PostgreSQL, a malformed one, and sealed values under a key the keyring lacks each fail', async () => {
    expect(await check(input({ KEYWARD_DATABASE_URL: PG_URL, KEYWARD_MASTER_KEYS: '' }), 'master-key')).toMatchObject({ status: 'fail' });
    expect(await check(input({ KEYWARD_DATA: sqliteDir, KEYWARD_MASTER_KEYS: 'm1:dG9vLXNob3J0' }), 'master-key')).toMatchObject({ status: 'fail' });
    const other = `m2:${randomBytes(32).toString('base64')}`;
    const sealed = await check(input({ KEYWARD_DATA: sqliteDir, KEYWARD_MASTER_KEYS: other }), 'sealed-secrets');
    expect(sealed).toMatchObject({ status: 'fail' });
    expect(sealed!.detail).toContain('m1');
  });

  it('redis: unreachable fails; a Redis without Lua fails the Lua check', async () => {
    const port = await freePort();
    expect(await check(input(sqliteEnv(), { redisUrl: `redis://127.0.0.1:${port}` }), 'redis')).toMatchObject({ status: 'fail' });
    const noLua = await runDoctor(input(sqliteEnv(), { redisUrl: `redis://127.0.0.1:${redisNoLua!.port}` }));
    expect(noLua.checks.find((c) => c.name === 'redis')).toMatchObject({ status: 'ok' });
    expect(noLua.checks.find((c) => c.name === 'redis-lua')).toMatchObject({ status: 'fail' });
    expect(noLua.ok).toBe(false);
  });

  it('clock skew beyond the limit fails, with the offset measured from the round trip midpoint', () => {
    expect(skewCheck('clock-postgres', 10_000 + 5_000, 10_000, 10_010, 1000)).toMatchObject({ status: 'fail' });
    expect(skewCheck('clock-postgres', 10_005, 10_000, 10_010, 1000)).toMatchObject({ status: 'ok', detail: expect.stringContaining('+0 ms') });
    expect(skewCheck('clock-redis', 8_000, 10_000, 10_010, 1000)).toMatchObject({ status: 'fail' });
  });

  it('tls: an unreadable certificate, a key of another certificate and an expired certificate each fail', async () => {
    const a = tlsPair('a');
    const b = tlsPair('b');
    expect(await check(input(sqliteEnv(), { tlsCert: path.join(dir, 'missing.crt'), tlsKey: a.key }), 'tls')).toMatchObject({ status: 'fail' });
    expect(await check(input(sqliteEnv(), { tlsCert: a.cert, tlsKey: b.key }), 'tls')).toMatchObject({ status: 'fail' });
    const later = () => Date.now() + 31 * 86_400_000;
    expect(await check(input(sqliteEnv(), { tlsCert: a.cert, tlsKey: a.key, now: later }), 'tls')).toMatchObject({ status: 'fail', detail: expect.stringContaining('expired') });
    expect(await check(input(sqliteEnv(), { tlsCert: a.cert, tlsKey: a.key, now: () => Date.now() + 20 * 86_400_000 }), 'tls')).toMatchObject({ status: 'warn' });
    expect(await check(input(sqliteEnv(), { tlsCert: a.cert, tlsKey: a.key }), 'tls')).toMatchObject({ status: 'ok' });
  });

  it('access map: an invalid file fails with its line', async () => {
    const bad = path.join(dir, 'bad-map.yaml');
    writeFileSync(bad, 'resources:\n  - path: /x\n    methods: [FETCH]\n');
    const c = await check(input(sqliteEnv(), { policy: bad }), 'access-map');
    expect(c).toMatchObject({ status: 'fail' });
    expect(c!.detail).toMatch(/bad-map\.yaml:\d+:\d+/);
  });
});
