import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ALL_MIGRATIONS } from '../sql/all-migrations.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (KEYWARD_DATABASE_URL). */
  readonly url: string;
  /** Connections in the pool (KEYWARD_DATABASE_POOL_SIZE). */
  readonly poolSize?: number;
  /** Server-side limit for one statement (KEYWARD_DATABASE_STATEMENT_TIMEOUT_MS); 0 = none. */
  readonly statementTimeoutMs?: number;
  /** Schema to keep every table in (tests use a fresh one per store); defaults to the server's search_path. */
  readonly schema?: string;
  /** How long to wait for a connection (ms): an unreachable host fails start-up instead of hanging it. */
  readonly connectTimeoutMs?: number;
}

/**
 * BIGINT (OID 20) columns hold milliseconds and counters, all far below 2^53: read them as
 * numbers rather than pg's default strings. Set per pool, never on pg's global type table.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The PostgreSQL store: the same SqlStore and migrations as SQLite, over a pg pool. */
export function openPostgresStore(options: PostgresStoreOptions): SqlStore {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error(`invalid schema name ${options.schema}`);
  const client: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types,
    // Sent at connection start-up: no extra round trip, and a URL's own `?options=` stays intact unless a schema is given.
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
  const pool = new pg.Pool({ ...client, max: options.poolSize ?? 10, ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}) });
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const store = new SqlStore(db, 'postgres', ALL_MIGRATIONS);
  store.postgresClient = client;
  return store;
}
