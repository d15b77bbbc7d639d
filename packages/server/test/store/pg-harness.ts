import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/open.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';

/** The local PostgreSQL every PG suite runs against (CI provides it too); override with KEYWARD_TEST_DATABASE_URL. */
export const PG_URL = process.env.KEYWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const schemas: string[] = [];

/**
 * A fresh, empty schema per call, so each test (and each parallel test file) has its own tables;
 * every schema made by this file is dropped after its tests.
 */
export async function freshSchema(): Promise<string> {
  const schema = `kw_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  schemas.push(schema);
  return schema;
}

afterAll(async () => {
  if (!schemas.length) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const s of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
});

/** A PostgreSQL store on a fresh schema (migrated unless `migrate: false`). */
export async function pgStore(options: Partial<PostgresStoreOptions> & { migrate?: boolean } = {}): Promise<SqlStore> {
  const store = openPostgresStore({ url: PG_URL, poolSize: 4, schema: options.schema ?? (await freshSchema()), ...options });
  if (options.migrate !== false) await store.migrate();
  return store;
}
