import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, PG_URL } from '../store/pg-harness.js';

const run = promisify(execFile);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keyward.js');
const dir = mkdtempSync(path.join(tmpdir(), 'kw-pgcli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MASTER = `m1:${randomBytes(32).toString('base64')}`;
/** The test database, in a schema of its own (pg's `options` URL parameter sets the search_path). */
const urlFor = (schema: string) => `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data', path.join(dir, 'unused'), ...args], { env: { ...process.env, KEYWARD_MASTER_KEYS: MASTER, KEYWARD_DATABASE_URL: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], { env: { ...process.env, KEYWARD_MASTER_KEYS: MASTER, KEYWARD_HOST: '', ...env } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`did not start: ${out}`)), 20_000);
    const check = () => {
      const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      } else setTimeout(check, 50);
    };
    check();
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

describe('keyward CLI on PostgreSQL', () => {
  it('init (KEYWARD_DATABASE_URL), apps and keys (--database-url) and start serve one PostgreSQL store, and nothing lands in --data', async () => {
    const url = urlFor(await freshSchema());
    const init = await cli({ KEYWARD_DATABASE_URL: url }, 'init', '--json');
    expect(init.code).toBe(0);
    const root = JSON.parse(init.stdout).rootKey as string;
    expect(root).toMatch(/^kw_root_/);
    expect((await cli({ KEYWARD_DATABASE_URL: url }, 'init', '--json')).code).toBe(2);

    const app = JSON.parse((await cli({}, '--database-url', url, 'apps', 'create', 'demo', '--json')).stdout);
    const created = JSON.parse((await cli({}, '--database-url', url, 'keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'live', '--name', 'k', '--json')).stdout);
    expect((await cli({}, '--database-url', url, 'keys', 'verify', created.secret, '--json')).code).toBe(0);

    const server = await start({ KEYWARD_DATABASE_URL: url });
    try {
      const ready = await fetch(`${server.base}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'postgres' });
      const apps = await fetch(`${server.base}/v1/apps`, { headers: { authorization: `Bearer ${root}` } });
      expect(apps.status).toBe(200);
      expect(JSON.stringify(await apps.json())).toContain(app.id);
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    expect(existsSync(path.join(dir, 'unused'))).toBe(false);
  });

  it('a command other than init/start on a database without a store is STORE_NOT_FOUND and creates no table', async () => {
    const schema = await freshSchema();
    const r = await cli({ KEYWARD_DATABASE_URL: urlFor(schema) }, 'apps', 'list', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.code).toBe('STORE_NOT_FOUND');
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const tables = await client.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [schema]);
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('an unreachable database stops start-up naming KEYWARD_DATABASE_URL (exit 2, no password echoed), and creates nothing', async () => {
    const r = await cli({ KEYWARD_DATABASE_URL: 'postgres://postgres:s3cr3t-pw@127.0.0.1:1/test' }, 'start', '--port', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('STORE_UNAVAILABLE');
    expect(r.stderr).toContain('KEYWARD_DATABASE_URL');
    expect(r.stderr).not.toContain('s3cr3t-pw');
    expect(existsSync(path.join(dir, 'unused'))).toBe(false);
  });

  it('a database that does not exist stops start-up the same way', async () => {
    const r = await cli({ KEYWARD_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/kw_no_such_db_${randomBytes(4).toString('hex')}` }, 'init');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KEYWARD_DATABASE_URL');
  });

  it('a value that is no postgres URL is a config error that names the variable and does not echo the value', async () => {
    const r = await cli({ KEYWARD_DATABASE_URL: 'mysql://root:pw-xyz@db/x' }, 'init');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stderr).toContain('KEYWARD_DATABASE_URL');
    expect(r.stderr).not.toContain('pw-xyz');
  });

  it('a shared store without explicit master keys is refused before connecting (every node needs the same keys)', async () => {
    const r = await cli({ KEYWARD_DATABASE_URL: urlFor(await freshSchema()), KEYWARD_MASTER_KEYS: '' }, 'init');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KEYWARD_MASTER_KEYS');
  });
});
