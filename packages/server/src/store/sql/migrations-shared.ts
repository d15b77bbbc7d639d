import { sql } from 'kysely';
import { type Migration, bigint } from './migrations.js';

/**
 * State every process on one store shares (versions 400–499): the change log that carries
 * revocations to every process's caches, the RFC 9421 replay cache and the rate-limit state.
 */
export interface SharedTables {
  change_log: { seq: number; kind: string; entity_id: string; at_ms: number };
  nonces: { key_id: string; nonce: string; expires_at_ms: number };
  ratelimit_gcra: { key: string; tat_ms: number; expires_at_ms: number };
  ratelimit_quota: { key: string; remaining: number; period_start_ms: number; expires_at_ms: number };
}

/** The change kinds a cache can act on (see cache/change-watcher.ts). */
export type ChangeKind = 'key' | 'key_revoked' | 'device' | 'session' | 'signing_key' | 'instance' | 'token' | 'app';

export const NOW_MS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;

/**
 * Triggers rather than application code write the change rows: every writer of the file (this
 * server, the CLI, an older binary) records its revocations in the same transaction as the change
 * itself, so no code path can forget to. Only authority changes are logged: a key's row changes
 * version on every lifecycle write (not on usage or credit spends), a device or session on
 * revocation or (sessions) a key rotation, a JWT signing key on any write.
 */
const SQLITE_TRIGGERS = [
  `CREATE TRIGGER change_log_keys AFTER UPDATE ON keys WHEN NEW.version <> OLD.version
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('key', NEW.id, ${NOW_MS}); END`,
  `CREATE TRIGGER change_log_devices AFTER UPDATE ON devices WHEN NEW.revoked_at_ms IS NOT OLD.revoked_at_ms
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('device', NEW.id, ${NOW_MS}); END`,
  `CREATE TRIGGER change_log_sessions AFTER UPDATE ON sessions
     WHEN NEW.revoked_at_ms IS NOT OLD.revoked_at_ms OR NEW.session_key_hash <> OLD.session_key_hash
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('session', NEW.id, ${NOW_MS}); END`,
  `CREATE TRIGGER change_log_jwk_ins AFTER INSERT ON jwt_signing_keys
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('signing_key', NEW.kid, ${NOW_MS}); END`,
  `CREATE TRIGGER change_log_jwk_upd AFTER UPDATE ON jwt_signing_keys
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('signing_key', NEW.kid, ${NOW_MS}); END`,
  `CREATE TRIGGER change_log_jwk_del AFTER DELETE ON jwt_signing_keys
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('signing_key', OLD.kid, ${NOW_MS}); END`,
];

/**
 * The same change feed on PostgreSQL: one trigger function per kind, writing in the changing
 * transaction, stamped with the database's clock (so every node's rows share one time base).
 */
export const PG_NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const pgTrigger = (name: string, table: string, when: string, kind: string, id: string, event = 'UPDATE') => [
  `CREATE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('${kind}', ${id}, ${PG_NOW_MS}); RETURN NULL; END $$`,
  `CREATE TRIGGER ${name} AFTER ${event} ON ${table} FOR EACH ROW ${when ? `WHEN (${when})` : ''} EXECUTE FUNCTION ${name}_fn()`,
];
const PG_TRIGGERS = [
  ...pgTrigger('change_log_keys', 'keys', 'NEW.version <> OLD.version', 'key', 'NEW.id'),
  ...pgTrigger('change_log_devices', 'devices', 'NEW.revoked_at_ms IS DISTINCT FROM OLD.revoked_at_ms', 'device', 'NEW.id'),
  ...pgTrigger('change_log_sessions', 'sessions', 'NEW.revoked_at_ms IS DISTINCT FROM OLD.revoked_at_ms OR NEW.session_key_hash <> OLD.session_key_hash', 'session', 'NEW.id'),
  ...pgTrigger('change_log_jwk_ins', 'jwt_signing_keys', '', 'signing_key', 'NEW.kid', 'INSERT'),
  ...pgTrigger('change_log_jwk_upd', 'jwt_signing_keys', '', 'signing_key', 'NEW.kid'),
  ...pgTrigger('change_log_jwk_del', 'jwt_signing_keys', '', 'signing_key', 'OLD.kid', 'DELETE'),
];

/**
 * The channel every node of one PostgreSQL store LISTENs on. NOTIFY channels are per database,
 * not per schema, so the name carries a digest of the store's schema: stores in different schemas
 * of one database (tests, several deployments) never wake each other. md5 keeps it at 40
 * characters whatever the schema's name (a channel must stay under 64 bytes, or NOTIFY errors and
 * would abort the revoking transaction).
 */
const PG_CHANGE_CHANNEL_SQL = `'keyward_changes_' || md5(TG_TABLE_SCHEMA)`;

/**
 * NOTIFY from the transaction that writes the change row: PostgreSQL delivers it only after that
 * transaction commits, and never for one that rolls back, so a node that hears it finds the row.
 * The payload is the change itself (`seq kind id`), or the sequence number alone should a row
 * ever approach the 8000-byte payload limit; listeners read the log either way.
 */
const PG_NOTIFY = [
  `CREATE FUNCTION change_log_notify_fn() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE payload text := NEW.seq::text || ' ' || NEW.kind || ' ' || NEW.entity_id;
     BEGIN
       IF octet_length(payload) > 7000 THEN payload := NEW.seq::text; END IF;
       PERFORM pg_notify(${PG_CHANGE_CHANNEL_SQL}, payload);
       RETURN NULL;
     END $$`,
  `CREATE TRIGGER change_log_notify AFTER INSERT ON change_log FOR EACH ROW EXECUTE FUNCTION change_log_notify_fn()`,
];

/**
 * App settings (CORS origins, identity providers, anomaly and leak actions, signature policy …)
 * change far less often than keys, but a node that keeps an old copy for its cache TTL lets an
 * origin or an identity provider the operator just removed through for seconds. So an app's row
 * changing version writes a change row too (kind `app`), and every node drops its copy on the same
 * feed as a revocation (NOTIFY on PostgreSQL, the poll on both). Older binaries read an unknown
 * kind as "drop everything", which is safe.
 */
const APP_TRIGGER_SQLITE = `CREATE TRIGGER change_log_apps AFTER UPDATE ON apps WHEN NEW.version <> OLD.version
     BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('app', NEW.id, ${NOW_MS}); END`;

/**
 * A key's revocation gets its own kind, `key_revoked`, so other nodes can refuse the key from
 * their caches at once (KeyCache.markRevoked) instead of dropping it and reading it again: that
 * read, on a loaded database, was most of the time a revocation took to be seen elsewhere. Only a
 * revocation that is already in effect by the database's clock; anything else stays `key`
 * (drop and re-read), which is always correct. Older binaries read the new kind as "drop
 * everything", which is safe.
 */
const KEY_KIND_SQLITE = `CASE WHEN NEW.revoked_at_ms IS NOT NULL AND OLD.revoked_at_ms IS NULL AND NEW.revoked_at_ms <= ${NOW_MS} THEN 'key_revoked' ELSE 'key' END`;
/**
 * SQLite's millisecond clock above is cut down (CAST of a floating-point day count), so it can read
 * 1 ms behind the Node clock that stamped a revocation in the same millisecond, and 430's test then
 * logged that revocation as a plain change: safe, but other nodes read the key again for nothing.
 * From 440 the test allows that millisecond.
 */
const KEY_KIND_SQLITE_440 = `CASE WHEN NEW.revoked_at_ms IS NOT NULL AND OLD.revoked_at_ms IS NULL AND NEW.revoked_at_ms <= ${NOW_MS} + 1 THEN 'key_revoked' ELSE 'key' END`;
const KEY_KIND_PG = `CASE WHEN NEW.revoked_at_ms IS NOT NULL AND OLD.revoked_at_ms IS NULL AND NEW.revoked_at_ms <= ${PG_NOW_MS} THEN 'key_revoked' ELSE 'key' END`;

export const SHARED_MIGRATIONS: readonly Migration[] = [
  {
    version: 400,
    name: 'change log, shared replay cache, shared rate limits',
    async up(db, dialect) {
      const ms = bigint(dialect);
      // GCRA times are fractional ms near 2^41: SQLite's REAL is 8 bytes, PostgreSQL's would be 4.
      const real = dialect === 'postgres' ? 'double precision' : 'real';
      const d = db;
      await d.schema
        .createTable('change_log')
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('at_ms', ms, (c) => c.notNull())
        .execute();
      await d.schema.createIndex('change_log_at_idx').on('change_log').column('at_ms').execute();
      await d.schema
        .createTable('nonces')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('expires_at_ms', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('nonces_pk', ['key_id', 'nonce'])
        .execute();
      await d.schema.createIndex('nonces_key_expiry_idx').on('nonces').columns(['key_id', 'expires_at_ms']).execute();
      await d.schema.createIndex('nonces_expiry_idx').on('nonces').column('expires_at_ms').execute();
      await d.schema.createTable('ratelimit_gcra').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('tat_ms', real, (c) => c.notNull()).addColumn('expires_at_ms', ms, (c) => c.notNull()).execute();
      await d.schema.createIndex('ratelimit_gcra_expiry_idx').on('ratelimit_gcra').column('expires_at_ms').execute();
      await d.schema
        .createTable('ratelimit_quota')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('remaining', real, (c) => c.notNull())
        .addColumn('period_start_ms', ms, (c) => c.notNull())
        .addColumn('expires_at_ms', ms, (c) => c.notNull())
        .execute();
      await d.schema.createIndex('ratelimit_quota_expiry_idx').on('ratelimit_quota').column('expires_at_ms').execute();
      for (const t of dialect === 'sqlite' ? SQLITE_TRIGGERS : PG_TRIGGERS) await sql.raw(t).execute(d);
    },
  },
  {
    version: 410,
    name: 'change log broadcast by NOTIFY (PostgreSQL)',
    async up(db, dialect) {
      // SQLite has no push channel: processes on one file keep to the poll (changePollIntervalMs).
      if (dialect !== 'postgres') return;
      for (const t of PG_NOTIFY) await sql.raw(t).execute(db);
    },
  },
  {
    version: 420,
    name: 'app settings changes on the change log',
    async up(db, dialect) {
      const statements = dialect === 'sqlite' ? [APP_TRIGGER_SQLITE] : pgTrigger('change_log_apps', 'apps', 'NEW.version <> OLD.version', 'app', 'NEW.id');
      for (const t of statements) await sql.raw(t).execute(db);
    },
  },
  {
    version: 430,
    name: 'key revocations on the change log as their own kind',
    async up(db, dialect) {
      const statements =
        dialect === 'sqlite'
          ? [
              'DROP TRIGGER change_log_keys',
              `CREATE TRIGGER change_log_keys AFTER UPDATE ON keys WHEN NEW.version <> OLD.version
                 BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES (${KEY_KIND_SQLITE}, NEW.id, ${NOW_MS}); END`,
            ]
          : [
              `CREATE OR REPLACE FUNCTION change_log_keys_fn() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES (${KEY_KIND_PG}, NEW.id, ${PG_NOW_MS}); RETURN NULL; END $$`,
            ];
      for (const t of statements) await sql.raw(t).execute(db);
    },
  },
  {
    version: 440,
    name: 'key revocations on SQLite: the change log allows the clock its cut millisecond',
    async up(db, dialect) {
      // PostgreSQL's clock_timestamp() keeps microseconds and its cast rounds: nothing to change there.
      if (dialect !== 'sqlite') return;
      for (const t of [
        'DROP TRIGGER change_log_keys',
        `CREATE TRIGGER change_log_keys AFTER UPDATE ON keys WHEN NEW.version <> OLD.version
           BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES (${KEY_KIND_SQLITE_440}, NEW.id, ${NOW_MS}); END`,
      ])
        await sql.raw(t).execute(db);
    },
  },
];
