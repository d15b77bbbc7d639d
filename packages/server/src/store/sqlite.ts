import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ALL_MIGRATIONS } from './sql/all-migrations.js';
import type { Database } from './sql/schema.js';
import { SqlStore } from './sql/sql-store.js';

export interface SqliteStoreOptions {
  /** Directory for `keyward.db`, or `:memory:` for tests. */
  readonly dataDir: string;
  /** How long a writer waits for the lock before failing (ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded default store. WAL mode lets readers (verification lookups) proceed while a writer
 * commits; `synchronous=NORMAL` under WAL is durable across process crashes and loses at most the
 * last transactions on power loss, the usual trade for a single-node service.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqlStore {
  const file = options.dataDir === ':memory:' ? ':memory:' : path.join(options.dataDir, 'keyward.db');
  if (file !== ':memory:') mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // Verification lookups are random reads over the key index: memory-map the file (up to 1 GiB,
  // about 2 million keys; only address space, pages load on demand) and keep a 64 MiB page cache,
  // so a cache miss costs a B-tree walk in memory, not a read() per page.
  sqlite.pragma('mmap_size = 1073741824');
  sqlite.pragma('cache_size = -65536');
  // A WAL left long by a crash or by a process that closed while another held the file is folded
  // back at start: pages still in the WAL are found through its index and cannot be memory-mapped,
  // which made cache misses several times slower. After checkpoints the file is cut to 64 MiB.
  sqlite.pragma('journal_size_limit = 67108864');
  if (file !== ':memory:') sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const store = new SqlStore(db, 'sqlite', ALL_MIGRATIONS, () => {
    // Fold the WAL into the database before the last handle goes, even when another connection
    // (a backup, a reader) keeps SQLite from doing it on close.
    if (file !== ':memory:' && sqlite.open) sqlite.pragma('wal_checkpoint(TRUNCATE)');
  });
  if (file !== ':memory:') store.sqliteFile = file;
  return store;
}
