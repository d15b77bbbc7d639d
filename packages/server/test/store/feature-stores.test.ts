import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { DEFAULT_APP_SETTINGS } from '../../src/apps/model.js';
import { newId } from '../../src/lib/ids.js';
import { SqlDeviceStore } from '../../src/store/sql/device-store.js';
import { SqlSecretStore } from '../../src/store/sql/secret-store.js';
import { SqlSessionStore } from '../../src/store/sql/session-store.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { deviceStoreConformance } from './device-store-conformance.js';
import { analyticsStoreConformance } from './analytics-store-conformance.js';
import { SqlAnalyticsStore } from '../../src/store/sql/analytics-store.js';
import { T0, type HarnessFactory } from './feature-harness.js';
import { secretStoreConformance } from './secret-store-conformance.js';
import { pgStore } from './pg-harness.js';
import { identityStoreConformance } from './identity-store-conformance.js';
import { SqlIdentityStore } from '../../src/store/sql/identity-store.js';
import { sessionStoreConformance } from './session-store-conformance.js';
import { anomalyStoreConformance } from '../anomaly/anomaly-store-conformance.js';
import { SqlAnomalyStore } from '../../src/store/sql/anomaly-store.js';
import { attestationStoreConformance } from './attestation-store-conformance.js';
import { SqlAttestationStore } from '../../src/store/sql/attestation-store.js';
import { webhookStoreConformance } from './webhook-store-conformance.js';
import { leakStoreConformance } from './leak-store-conformance.js';
import { SqlWebhookStore } from '../../src/store/sql/webhook-store.js';
import { SqlLeakStore } from '../../src/store/sql/leak-store.js';
import { SqlEventSeriesStore } from '../../src/store/sql/event-series-store.js';
import { eventSeriesConformance } from './event-series-conformance.js';
import { topKeysConformance } from './top-keys-conformance.js';

/** The feature stores share the core store's Kysely connection (and so its transactions and audit chain). */
function harness<S>(open: () => Promise<SqlStore>, build: (sql: SqlStore) => S): HarnessFactory<S> {
  return async () => {
    const sql = await open();
    return {
      store: build(sql),
      async createApp() {
        const id = newId('app');
        await sql.createApp({ id, name: 'a', settings: DEFAULT_APP_SETTINGS, createdAtMs: T0, updatedAtMs: T0, version: 1 }, { actor: 'test', action: 'app.create', target: id, requestId: 'req_conf' });
        return id;
      },
      // Only the feature's own records: the app.create records are the harness's, not the store's.
      audit: async () => (await sql.listAudit({ limit: 10_000 })).filter((r) => r.action !== 'app.create'),
      close: () => sql.close(),
    };
  };
}

const dirs: string[] = [];
const sqliteAt = async (dataDir: string) => {
  const store = openSqliteStore({ dataDir });
  await store.migrate();
  return store;
};
const memory = () => sqliteAt(':memory:');
const file = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-feature-'));
  dirs.push(dir);
  return sqliteAt(dir);
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

for (const [label, open] of [
  ['sqlite (memory)', memory],
  ['sqlite (file, WAL)', file],
  ['postgres', () => pgStore()],
] as const) {
  sessionStoreConformance(label, harness(open, (sql) => new SqlSessionStore(sql.db, sql.backend)));
  deviceStoreConformance(label, harness(open, (sql) => new SqlDeviceStore(sql.db)));
  secretStoreConformance(label, harness(open, (sql) => new SqlSecretStore(sql.db)));
  analyticsStoreConformance(label, harness(open, (sql) => new SqlAnalyticsStore(sql.db)));
  anomalyStoreConformance(label, harness(open, (sql) => new SqlAnomalyStore(sql.db)));
  attestationStoreConformance(label, harness(open, (sql) => new SqlAttestationStore(sql.db, sql.backend)));
  webhookStoreConformance(label, harness(open, (sql) => new SqlWebhookStore(sql.db)));
  leakStoreConformance(label, harness(open, (sql) => new SqlLeakStore(sql.db)));
  topKeysConformance(label, harness(open, (sql) => ({ core: sql, analytics: new SqlAnalyticsStore(sql.db) })));
  eventSeriesConformance(
    label,
    harness(open, (sql) => ({ series: new SqlEventSeriesStore(sql.db), attestation: new SqlAttestationStore(sql.db, sql.backend), leaks: new SqlLeakStore(sql.db), anomalies: new SqlAnomalyStore(sql.db), webhooks: new SqlWebhookStore(sql.db) })),
  );
  identityStoreConformance(label, harness(open, (sql) => ({ core: sql, identities: new SqlIdentityStore(sql.db) })));
}
