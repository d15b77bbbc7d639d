import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { Keyring } from '../../src/lib/sealed.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { errorOf, runCli } from '../cli/run-in-process.js';
import { freshSchema, PG_URL } from '../store/pg-harness.js';

const by = { actor: 'test', requestId: 'req_copy' } as const;
const keyring = new Keyring([{ id: 'm1', key: randomBytes(32) }]);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const urlFor = (schema: string) => `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const quiet = { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } as const;

/** A SQLite store with a row in every feature's tables, made through the services. */
async function populatedStore() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-copy-'));
  dirs.push(dir);
  const kw = await createKeyward({ config: { ...quiet, dataDir: dir }, keyring });
  try {
    const root = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, by);
    const app = await kw.apps.create({ name: 'copy' }, by);
    const live = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'live' }, by);
    const revoked = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'gone' }, by);
    await kw.keys.revoke(revoked.key.id, 'test', by);
    const identity = await kw.identities.create(app.id, { externalId: 'cust_1' }, by);
    await kw.secrets.set({ appId: app.id, environment: 'live', name: 'stripe_key', value: 'sk_test_0123456789abcdef' }, by);
    const session = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'user_1' }, by);
    const device = await kw.devices.register({ appId: app.id, environment: 'live', platform: 'ios' }, by);
    await kw.tokens.rotate('EdDSA', by, { immediate: true });
    for (let i = 0; i < 30; i++) await kw.keys.create({ appId: app.id, environment: 'test', kind: 'secret', name: `bulk-${i}` }, by);
    return { dir, root: root.secret, appId: app.id, live: live.secret, revoked: revoked.secret, identityId: identity.id, session, deviceId: device.device.id };
  } finally {
    await kw.close();
  }
}

async function rowCount(schema: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return Number((await c.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n);
  } finally {
    await c.end();
  }
}

describe('keyward store copy (SQLite → PostgreSQL)', () => {
  it('copies every record; a node started on PostgreSQL verifies the keys, opens the sealed secrets and the audit chain verifies', async () => {
    const src = await populatedStore();
    const schema = await freshSchema();
    const r = await runCli(['store', 'copy', '--from', src.dir, '--to', urlFor(schema), '--batch', '7', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: number; tables: { table: string; rows: number }[]; audit: { ok: boolean; records: number } };
    const rows = Object.fromEntries(out.tables.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({ apps: 1, keys: 34, identities: 1, server_secrets: 1, sessions: 1, devices: 1, jwt_signing_keys: 1, audit_head: 1 });
    expect(out.audit.ok).toBe(true);

    const source = new BetterSqlite3(path.join(src.dir, 'keyward.db'), { readonly: true });
    const sourceAudit = Number((source.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n);
    const sourceHead = source.prepare('SELECT seq, hash FROM audit_head').get() as { seq: number; hash: string };
    source.close();
    expect(out.audit.records).toBe(sourceAudit);

    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const targetHead = (await c.query(`SELECT seq, hash FROM ${schema}.audit_head`)).rows[0] as { seq: string; hash: string };
    await c.end();
    expect({ seq: Number(targetHead.seq), hash: targetHead.hash }).toEqual({ seq: sourceHead.seq, hash: sourceHead.hash });

    const kw: Keyward = await createKeyward({ store: openPostgresStore({ url: PG_URL, schema, poolSize: 2 }), keyring, config: quiet });
    try {
      expect(await kw.verifier.verify(src.live)).toMatchObject({ valid: true });
      expect(await kw.verifier.verify(src.revoked)).toMatchObject({ valid: false, reason: 'REVOKED' });
      // The copied root key still authenticates the admin API.
      const server = await buildServer(kw);
      const apps = await server.inject({ method: 'GET', url: '/v1/apps', headers: { authorization: `Bearer ${src.root}` } });
      expect(apps.statusCode).toBe(200);
      expect(apps.body).toContain(src.appId);
      await server.close();
      expect(await kw.secrets.reveal(src.appId, 'live', 'stripe_key')).toBe('sk_test_0123456789abcdef');
      expect(await kw.sessions.verify(src.session.sessionKey)).toMatchObject({ valid: true });
      expect((await kw.identities.get(src.identityId)).externalId).toBe('cust_1');
      // The copied private signing key opens and signs: a fresh token verifies against the copied JWKS.
      const minted = await kw.tokens.mint({ appId: src.appId, environment: 'live', subject: 'u', scopes: ['read'], audience: 'api', ttlSeconds: 60 });
      expect(await kw.tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: true });
      // The chain continues across the move: new records link to the copied head.
      await kw.keys.revoke((await kw.verifier.verify(src.live) as { key: { id: string } }).key.id, 'after move', by);
      const verified = await kw.audit.verify();
      expect(verified).toMatchObject({ ok: true });
      expect(verified.records).toBeGreaterThan(sourceAudit);
    } finally {
      await kw.close();
    }
  });

  it('vacuums and analyzes the copied tables once the copy has committed, as after any bulk import (docs/operations.md)', async () => {
    const src = await populatedStore();
    const schema = await freshSchema();
    const r = await runCli(['store', 'copy', '--from', src.dir, '--to', urlFor(schema), '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { analyzed: boolean }).analyzed).toBe(true);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      // Manual runs only (last_vacuum, not last_autovacuum): autovacuum cannot pass this for the copy.
      const stats = await c.query<{ relname: string; vacuumed: boolean; analyzed: boolean }>(
        `SELECT relname, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('keys', 'key_secrets', 'audit_log') ORDER BY relname`,
        [schema],
      );
      expect(stats.rows).toEqual(['audit_log', 'key_secrets', 'keys'].map((relname) => ({ relname, vacuumed: true, analyzed: true })));
    } finally {
      await c.end();
    }
  });

  it('refuses to write into a store that already holds data (STORE_TARGET_NOT_EMPTY, exit 2) and changes nothing there', async () => {
    const src = await populatedStore();
    const schema = await freshSchema();
    expect((await runCli(['store', 'copy', '--from', src.dir, '--to', urlFor(schema), '--json'])).code).toBe(0);
    const before = await rowCount(schema, 'keys');
    const again = await runCli(['store', 'copy', '--from', src.dir, '--to', urlFor(schema), '--json']);
    expect(again.code).toBe(2);
    expect(errorOf(again.stderr).code).toBe('STORE_TARGET_NOT_EMPTY');
    expect(await rowCount(schema, 'keys')).toBe(before);
  });

  it('never half-writes: a source whose audit chain does not verify is rolled back (STORE_COPY_INCOMPLETE) and the target stays empty', async () => {
    const src = await populatedStore();
    const db = new BetterSqlite3(path.join(src.dir, 'keyward.db'));
    db.prepare(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`).run();
    db.close();
    const schema = await freshSchema();
    const r = await runCli(['store', 'copy', '--from', src.dir, '--to', urlFor(schema), '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r.stderr).code).toBe('STORE_COPY_INCOMPLETE');
    for (const t of ['apps', 'keys', 'key_secrets', 'audit_log', 'server_secrets']) expect(await rowCount(schema, t)).toBe(0);
    expect(await rowCount(schema, 'audit_head')).toBe(1);
  });

  it('a missing source directory is STORE_NOT_FOUND, and a non-PostgreSQL target is refused (--from defaults to --data)', async () => {
    const missing = await runCli(['store', 'copy', '--from', path.join(tmpdir(), 'kw-nope-' + randomBytes(4).toString('hex')), '--to', `${PG_URL}`, '--json']);
    expect(errorOf(missing.stderr).code).toBe('STORE_NOT_FOUND');
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-copy-'));
    dirs.push(dir);
    expect((await runCli(['--data', dir, 'init', '--json'])).code).toBe(0);
    const bad = await runCli(['--data', dir, 'store', 'copy', '--to', 'mysql://x', '--json']);
    expect(errorOf(bad.stderr).code).toBe('VALIDATION_FAILED');
  });
});
