import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { generateKey } from '@keyward/protocol';
import { createKeyward } from '../../src/keyward.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { releaseBroken } from '../../src/store/postgres/open.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { PG_URL, pgStore } from './pg-harness.js';
import { CLI } from '../helpers.js';

/**
 * The PostgreSQL pool hands the same client out again and again. Its guard (`releaseBroken`)
 * must wrap a client's `query` once, not once per checkout: nested wrappers made every query walk
 * one frame per earlier checkout, so a node's queries grew slower and the process crashed with a
 * stack overflow after about 9,000 checkouts of one connection.
 */
describe('PostgreSQL pool guard', () => {
  it('wraps a client once however often it is checked out', async () => {
    const pool = releaseBroken(new pg.Pool({ connectionString: PG_URL, max: 1 }));
    try {
      const first = await pool.connect();
      const query = first.query;
      first.release();
      for (let i = 0; i < 1000; i++) {
        const c = await pool.connect();
        expect(c).toBe(first); // max 1: the same client every time
        expect(c.query).toBe(query);
        c.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('a query after 30,000 checkouts of one connection still answers (no stack overflow)', async () => {
    const pool = releaseBroken(new pg.Pool({ connectionString: PG_URL, max: 1 }));
    try {
      for (let i = 0; i < 30_000; i++) (await pool.connect()).release();
      const c = await pool.connect();
      try {
        expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        c.release();
      }
    } finally {
      await pool.end();
    }
  });
});

/** The named statements the store's one connection (poolSize 1) holds. */
async function prepared(store: SqlStore): Promise<string[]> {
  return (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(store.db)).rows.map((r) => r.name);
}

describe('PostgreSQL verification lookup', () => {
  it('runs as a named prepared statement, and as a plain query when prepared statements are off', async () => {
    for (const preparedStatements of [true, false]) {
      const store = await pgStore({ poolSize: 1, preparedStatements });
      const kw = await createKeyward({ store, config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
      try {
        const app = await kw.apps.create({ name: 'a' }, CLI);
        const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
        kw.cache.clear();
        expect(await kw.verifier.verify(k.secret)).toMatchObject({ valid: true });
        expect(await store.findKeyByHash(sha256Hex(generateKey('secret', 'live')))).toBeUndefined();
        expect(await prepared(store)).toEqual(preparedStatements ? ['kw_find_key_by_hash'] : []);
      } finally {
        await kw.close();
      }
    }
  });

  it('keeps answering after another node adds a column to keys (a prepared SELECT keys.* would fail: cached plan must not change result type)', async () => {
    const store = await pgStore({ poolSize: 1 });
    const kw = await createKeyward({ store, config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
    try {
      const app = await kw.apps.create({ name: 'a' }, CLI);
      const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
      for (let i = 0; i < 6; i++) expect(await store.findKeyByHash(sha256Hex(k.secret))).toBeDefined(); // past the five custom plans: a generic plan is cached
      await sql`ALTER TABLE keys ADD COLUMN added_by_a_later_migration text`.execute(store.db);
      const found = await store.findKeyByHash(sha256Hex(k.secret));
      expect(found?.key.id).toBe(k.key.id);
      expect(await prepared(store)).toEqual(['kw_find_key_by_hash']);
    } finally {
      await kw.close();
    }
  });
});
