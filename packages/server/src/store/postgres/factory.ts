import { sql } from 'kysely';
import { ChangeLogSource } from '../../cache/change-log.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { StoreBackend } from '../backend.js';
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
import { SqlLeakStore } from '../sql/leak-store.js';
import { SqlWebhookStore } from '../sql/webhook-store.js';
import { openPostgresStore, type PostgresStoreOptions } from './open.js';
import { notifiedChangeSource } from './notified-changes.js';
import { PostgresNonceStore, PostgresRateLimitStore } from './shared-state.js';

/**
 * The PostgreSQL backend around a migrated store: every node on the database shares the replay
 * cache, the rate limits (advisory-locked transactions), the credit balances (row locks, in
 * SqlStore.spendKeyCredits), the single-use entries and the change log (triggers, migration 400),
 * announced to every node by NOTIFY (migration 410, store/postgres/change-listener.ts).
 */
export function postgresBackend(store: SqlStore): StoreBackend {
  return {
    store,
    sessions: new SqlSessionStore(store.db, 'postgres'),
    devices: new SqlDeviceStore(store.db),
    tokens: new SqlTokenStore(store.db),
    secrets: new SqlSecretStore(store.db),
    analytics: new SqlAnalyticsStore(store.db),
    eventSeries: new SqlEventSeriesStore(store.db),
    anomalies: new SqlAnomalyStore(store.db),
    console: new SqlConsoleSessionStore(store.db),
    attestation: new SqlAttestationStore(store.db, 'postgres'),
    webhooks: new SqlWebhookStore(store.db),
    leaks: new SqlLeakStore(store.db),
    identities: new SqlIdentityStore(store.db),
    limits: new PostgresRateLimitStore(store.db),
    nonces: (o) => new PostgresNonceStore(store.db, o),
    singleUse: (now) => new SqlSingleUseStore(store.db, { now }),
    spendKeyCredits: store.spendKeyCredits.bind(store),
    async changes() {
      const log = new ChangeLogSource(store.db, {});
      await log.init();
      return store.postgresClient ? notifiedChangeSource(log, store.postgresClient) : log;
    },
    async close() {},
  };
}

/**
 * Opens the PostgreSQL store and checks it answers before anything else starts: a wrong URL,
 * password or an unreachable host stops start-up with a message naming the variable (never the
 * password), and nothing is created.
 */
export async function connectPostgres(options: PostgresStoreOptions): Promise<SqlStore> {
  const store = openPostgresStore(options);
  try {
    await store.ping();
  } catch (err) {
    await store.close().catch(() => {});
    throw new KeywardError('STORE_UNAVAILABLE', `KEYWARD_DATABASE_URL (--database-url): cannot connect to PostgreSQL at ${describe(options.url)}: ${(err as Error).message}`, { cause: err });
  }
  return store;
}

/** host:port/database as user, without the password. */
function describe(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}${u.username ? ` as ${decodeURIComponent(u.username)}` : ''}`;
}

/** Whether the database holds a Keyward store (its migrations table), for commands that must not create one. */
export async function postgresStoreExists(options: PostgresStoreOptions): Promise<boolean> {
  const store = await connectPostgres(options);
  try {
    const r = await sql<{ t: string | null }>`SELECT to_regclass('kw_migrations')::text AS t`.execute(store.db);
    return r.rows[0]?.t != null;
  } finally {
    await store.close();
  }
}
