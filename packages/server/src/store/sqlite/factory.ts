import { ChangeLogSource } from '../../cache/change-log.js';
import { SqliteRateLimitStore } from '../../ratelimit/sqlite-store.js';
import { MemoryRateLimitStore } from '../../ratelimit/store.js';
import { MemoryNonceStore } from '../../signatures/nonce-store.js';
import { SqliteNonceStore } from '../../signatures/sqlite-nonce-store.js';
import type { StoreBackend } from '../backend.js';
import { sqliteCreditSpender } from '../sqlite-credits.js';
import { SharedSqlite } from '../sqlite-shared.js';
import { SqlAnalyticsStore } from '../sql/analytics-store.js';
import { SqlEventSeriesStore } from '../sql/event-series-store.js';
import { SqlAnomalyStore } from '../sql/anomaly-store.js';
import { SqlConsoleSessionStore } from '../sql/console-store.js';
import { SqlAttestationStore } from '../sql/attestation-store.js';
import { SqlDeviceStore } from '../sql/device-store.js';
import { SqlIdentityStore } from '../sql/identity-store.js';
import { SqlSecretStore } from '../sql/secret-store.js';
import { SqlSessionStore } from '../sql/session-store.js';
import type { SqlStore } from '../sql/sql-store.js';
import { SqlTokenStore } from '../sql/token-store.js';
import { SqlSingleUseStore } from '../sql/single-use-store.js';
import { MemorySingleUseStore } from '../../state/single-use.js';
import { SqlLeakStore } from '../sql/leak-store.js';
import { SqlWebhookStore } from '../sql/webhook-store.js';

/**
 * The SQLite backend around a migrated store. Cross-process state on a file-backed store lives in
 * the file (a second, synchronous connection: store/sqlite-shared.ts); a `:memory:` store is one
 * process anyway, so it keeps that state in memory.
 */
export function sqliteBackend(store: SqlStore): StoreBackend {
  const shared = store.sqliteFile ? new SharedSqlite(store.sqliteFile) : undefined;
  return {
    store,
    sessions: new SqlSessionStore(store.db, 'sqlite'),
    devices: new SqlDeviceStore(store.db),
    tokens: new SqlTokenStore(store.db),
    secrets: new SqlSecretStore(store.db),
    analytics: new SqlAnalyticsStore(store.db),
    eventSeries: new SqlEventSeriesStore(store.db),
    anomalies: new SqlAnomalyStore(store.db),
    console: new SqlConsoleSessionStore(store.db),
    attestation: new SqlAttestationStore(store.db, 'sqlite'),
    webhooks: new SqlWebhookStore(store.db),
    leaks: new SqlLeakStore(store.db),
    identities: new SqlIdentityStore(store.db),
    limits: shared ? new SqliteRateLimitStore(shared) : new MemoryRateLimitStore(),
    nonces: (o) => (shared ? new SqliteNonceStore(shared, o) : new MemoryNonceStore(o)),
    singleUse: (now) => (store.sqliteFile ? new SqlSingleUseStore(store.db, { now }) : new MemorySingleUseStore({ now })),
    spendKeyCredits: shared ? sqliteCreditSpender(shared) : store.spendKeyCredits.bind(store),
    async changes() {
      const log = new ChangeLogSource(store.db, {});
      await log.init();
      return log;
    },
    async close() {
      shared?.close();
    },
  };
}
