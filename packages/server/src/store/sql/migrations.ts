import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Versioned, forward-only migrations, written with Kysely's schema builder so the same list runs
 * on SQLite and PostgreSQL. Later features append entries; never edit an applied one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void>;
}

/** Column type for integer milliseconds and counters: 64-bit on PostgreSQL, SQLite's INTEGER is already. */
export const bigint = (dialect: 'sqlite' | 'postgres') => (dialect === 'postgres' ? 'bigint' : 'integer');

export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'apps, keys, key secrets, audit log',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.references('apps.id'))
        .addColumn('environment', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('ip_allow_list', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('expires_at_ms', ms)
        .addColumn('revoked_at_ms', ms)
        .addColumn('revoked_reason', 'text')
        .addColumn('exposed_at_ms', ms)
        .addColumn('start', 'text', (c) => c.notNull())
        .addColumn('reissued_from_id', 'text')
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('usage_count', ms, (c) => c.notNull())
        .addColumn('last_used_at_ms', ms)
        .execute();
      await db.schema.createIndex('keys_app_env_idx').on('keys').columns(['app_id', 'environment', 'id']).execute();
      await db.schema.createIndex('keys_updated_idx').on('keys').columns(['updated_at_ms']).execute();
      await db.schema.createIndex('keys_subject_idx').on('keys').columns(['app_id', 'subject']).execute();
      await db.schema
        .createTable('key_secrets')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
        .addColumn('start', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('expires_at_ms', ms)
        .execute();
      await db.schema.createIndex('key_secrets_key_idx').on('key_secrets').column('key_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', ms, (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at_ms', ms, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_target_idx').on('audit_log').columns(['target', 'seq']).execute();
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', ms, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await sql`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ${'0'.repeat(64)})`.execute(db);
    },
  },
  {
    version: 2,
    name: 'sealed secrets for HMAC signing credentials',
    async up(db) {
      // HMAC verification needs the shared secret itself, so signing credentials (and only they)
      // keep an AES-256-GCM sealed copy next to the hash.
      await db.schema.alterTable('key_secrets').addColumn('sealed_secret', 'text').execute();
    },
  },
  {
    version: 3,
    name: 'client certificate binding for server keys',
    async up(db) {
      await db.schema.alterTable('keys').addColumn('client_cert_sha256', 'text').execute();
    },
  },
  {
    version: 4,
    name: 'per-key rate limit',
    async up(db) {
      await db.schema.alterTable('keys').addColumn('ratelimit', 'text').execute();
    },
  },
  {
    version: 5,
    name: 'per-key credits with refill',
    async up(db, dialect) {
      await db.schema.alterTable('keys').addColumn('credits', 'text').execute();
      await db.schema.alterTable('keys').addColumn('credits_remaining', bigint(dialect)).execute();
      await db.schema.alterTable('keys').addColumn('credits_period_start_ms', bigint(dialect)).execute();
    },
  },
  {
    version: 6,
    name: 'root key permissions and app restriction; keys belong to an identity',
    async up(db) {
      await db.schema.alterTable('keys').addColumn('permissions', 'text').execute();
      await db.schema.alterTable('keys').addColumn('app_ids', 'text').execute();
      // The identities table comes with its feature's migrations (500–599); the column is here so
      // every key row has it from this version on.
      await db.schema.alterTable('keys').addColumn('identity_id', 'text').execute();
      await db.schema.createIndex('keys_identity_idx').on('keys').columns(['identity_id']).execute();
      // Every root key made before permissions existed had full power, and keeps it: an upgrade
      // must not lock the operator out. New root keys name their permissions explicitly.
      await db.updateTable('keys').set({ permissions: '["*"]' }).where('kind', '=', 'root').execute();
    },
  },
  {
    version: 7,
    name: 'identities: the keys of one customer share metadata, a rate limit and credits',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('ratelimit', 'text')
        .addColumn('credits', 'text')
        .addColumn('credits_remaining', ms)
        .addColumn('credits_period_start_ms', ms)
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      // The unique index is what makes "one identity per externalId and app" hold under races.
      await db.schema.createIndex('identities_external_idx').on('identities').columns(['app_id', 'external_id']).unique().execute();
    },
  },
  {
    version: 8,
    name: 'deleted apps',
    async up(db, dialect) {
      // A deleted app keeps its row: keys, sessions and audit records refer to it.
      await db.schema.alterTable('apps').addColumn('deleted_at_ms', bigint(dialect)).execute();
    },
  },
  {
    version: 9,
    name: 'the audit head keeps the previous link (one-statement appends on PostgreSQL)',
    async up(db) {
      // Set by every PostgreSQL append (audited-write.ts) so its RETURNING has the previous hash;
      // SQLite appends leave it as it is. Informational only: audit verify reads audit_log.
      await db.schema.alterTable('audit_head').addColumn('prev_hash', 'text').execute();
    },
  },
];

/** Column type for integer milliseconds and counters: 64-bit on PostgreSQL, SQLite's INTEGER is already. */
export /** Advisory lock key (first half) held by a PostgreSQL migrator; the second half is the schema's hash. */
const MIGRATION_LOCK = 7346001;

/**
 * Applies every migration newer than the recorded version, each in its own transaction.
 *
 * On PostgreSQL several nodes may start at once: the whole run (including creating
 * `kw_migrations`) holds a session advisory lock on one connection, so one node migrates and the
 * others wait, then find every version recorded and run nothing. The lock is keyed by schema, so
 * stores in different schemas of one database do not wait for each other.
 */
export async function runMigrations(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  migrations: readonly Migration[],
  nowMs: number,
): Promise<number[]> {
  if (dialect === 'sqlite') return migrateOn(db, dialect, migrations, nowMs);
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK}, hashtext(current_schema()))`.execute(conn);
    try {
      return await migrateOn(conn, dialect, migrations, nowMs);
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK}, hashtext(current_schema()))`.execute(conn);
    }
  });
}

async function migrateOn(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', migrations: readonly Migration[], nowMs: number): Promise<number[]> {
  await db.schema
    .createTable('kw_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at_ms', bigint(dialect), (c) => c.notNull())
    .execute();
  const applied = new Set((await db.selectFrom('kw_migrations').select('version').execute()).map((r) => Number(r.version)));
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    await db.transaction().execute(async (trx) => {
      await m.up(trx, dialect);
      await trx.insertInto('kw_migrations').values({ version: m.version, name: m.name, applied_at_ms: nowMs }).execute();
      ran.push(m.version);
    });
  }
  return ran;
}
