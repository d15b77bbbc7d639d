import type { KeywardConfig } from '../config/config.js';
import type { StoreBackend } from './backend.js';
import { connectPostgres, postgresBackend } from './postgres/factory.js';
import type { SqlStore } from './sql/sql-store.js';
import { sqliteBackend } from './sqlite/factory.js';
import { openSqliteStore } from './sqlite.js';

/** The store the configuration selects: PostgreSQL when `databaseUrl` is set, else SQLite in `dataDir`. */
export async function openStore(config: Pick<KeywardConfig, 'dataDir' | 'databaseUrl' | 'databasePoolSize' | 'databaseStatementTimeoutMs'> & Partial<Pick<KeywardConfig, 'databaseConnectTimeoutMs' | 'databasePreparedStatements'>>): Promise<SqlStore> {
  if (config.databaseUrl) {
    return connectPostgres({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      ...(config.databaseConnectTimeoutMs !== undefined ? { connectTimeoutMs: config.databaseConnectTimeoutMs } : {}),
      ...(config.databasePreparedStatements !== undefined ? { preparedStatements: config.databasePreparedStatements } : {}),
    });
  }
  return openSqliteStore({ dataDir: config.dataDir });
}

/** The backend (feature stores, shared state, change feed) for an opened, migrated store. */
export function backendFor(store: SqlStore): StoreBackend {
  return store.backend === 'postgres' ? postgresBackend(store) : sqliteBackend(store);
}
