import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { releaseBroken } from '../../src/store/postgres/open.js';
import { PG_URL } from './pg-harness.js';

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
