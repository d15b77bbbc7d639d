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
  /** Named prepared statements for the verification lookup (KEYWARD_DATABASE_PREPARED_STATEMENTS; default true). */
  readonly preparedStatements?: boolean;
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
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const client: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    types,
    // Sent at connection start-up: no extra round trip, and a URL's own `?options=` stays intact unless a schema is given.
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
  const pool = new pg.Pool({
    ...client,
    max: options.poolSize ?? 10,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    // The server's statement_timeout cannot fire when the network eats the packets: the client
    // gives up on its own a little later (statement timeout plus one connect timeout), and
    // releaseBroken below then drops the connection, so nothing waits forever.
    ...(options.statementTimeoutMs ? { query_timeout: options.statementTimeoutMs + connectTimeoutMs } : {}),
  });
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => {});
  const guarded = releaseBroken(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }) });
  const store = new SqlStore(db, 'postgres', ALL_MIGRATIONS);
  store.postgresClient = client;
  if (options.preparedStatements !== false) {
    // pg prepares a named statement once per connection and then sends only Bind/Execute; the
    // server plans it once (a generic plan after five runs), instead of parsing and planning the
    // three-table lookup on every cache miss. Same pool, same guard, same timeouts as Kysely's queries.
    store.preparedQuery = async (name, text, values) => {
      const c = await guarded.connect();
      try {
        return (await c.query({ name, text, values: [...values] })).rows as unknown[];
      } finally {
        c.release();
      }
    };
  }
  return store;
}

/**
 * The pool, except that a client whose connection failed while checked out (a read timeout, a
 * reset, a terminated connection) is destroyed when released instead of going back to the pool:
 * pg keeps such a client stuck behind its unanswered query, and every later request handed that
 * client would wait for its own timeout.
 *
 * A client's `query` is wrapped once, the first time the client is checked out, and its state is
 * kept per client: pg-pool hands the same client out again and again, and wrapping on every
 * checkout nested one wrapper per checkout (each query then walked all of them: about 1 ms of
 * CPU per query after 2,000 checkouts, and a stack overflow after about 9,000, which crashed a
 * node after some 10^5 queries). `release` is wrapped on every checkout because pg-pool sets a
 * new one on every checkout (test/store/pg-pool.test.ts holds both).
 */
export function releaseBroken(pool: pg.Pool): pg.Pool {
  const connect = pool.connect.bind(pool);
  const state = new WeakMap<pg.PoolClient, { broken: boolean }>();
  pool.connect = (async () => {
    const client = await connect();
    let s = state.get(client);
    if (!s) {
      const fresh = { broken: false };
      s = fresh;
      state.set(client, fresh);
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      Object.assign(client, {
        query: async (...args: unknown[]) => {
          try {
            return await query(...args);
          } catch (err) {
            if (!(err as { severity?: string }).severity) fresh.broken = true; // no server-sent error: the connection itself failed
            throw err;
          }
        },
      });
    }
    const mine = s;
    // A checked-out client whose connection dies between two queries (mid-transaction) emits
    // 'error'; with no listener that would crash the process. Mark it, and drop it on release.
    const onError = () => {
      mine.broken = true;
    };
    client.on('error', onError);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.removeListener('error', onError);
      return release(err ?? mine.broken);
    };
    return client;
  }) as pg.Pool['connect'];
  return pool;
}
