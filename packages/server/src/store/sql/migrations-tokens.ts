import { sql, type Kysely } from 'kysely';
import { type Migration, bigint } from './migrations.js';
import { NOW_MS, PG_NOW_MS } from './migrations-shared.js';
import type { Database } from './schema.js';

/** The token tables, merged with the core `Database` type by SqlTokenStore (versions 100–199). */
export interface TokenTables {
  jwt_signing_keys: {
    kid: string;
    alg: string;
    public_jwk: string;
    sealed_private_jwk: string;
    state: string;
    created_at_ms: number;
    /** From version 102; rows from before it were backfilled with `created_at_ms` (they signed at once). */
    activates_at_ms: number;
    retire_after_ms: number | null;
  };
  consumed_jtis: { jti: string; expires_at_ms: number; consumed_at_ms: number };
  /** From version 460: revoked token ids, scoped to the app and environment that revoked them. */
  revoked_tokens: { jti: string; app_id: string; environment: string; reason: string | null; revoked_at_ms: number; expires_at_ms: number };
}
export type TokenDb = Kysely<Database>;

export const TOKEN_MIGRATIONS: readonly Migration[] = [
  {
    version: 100,
    name: 'JWT signing keys and consumed single-use token ids',
    async up(db, dialect) {
      const ms = bigint(dialect);
      const d = db;
      await d.schema
        .createTable('jwt_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('sealed_private_jwk', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('retire_after_ms', ms)
        .execute();
      // The primary key is what makes consumeJti atomic: a second INSERT of a jti conflicts.
      await d.schema
        .createTable('consumed_jtis')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at_ms', ms, (c) => c.notNull())
        .addColumn('consumed_at_ms', ms, (c) => c.notNull())
        .execute();
      await d.schema.createIndex('consumed_jtis_expiry_idx').on('consumed_jtis').column('expires_at_ms').execute();
    },
  },
  {
    version: 101,
    name: 'at most one active JWT signing key per algorithm',
    async up(db) {
      // Two nodes starting at once (or two rotations) could each demote "the" active key and
      // insert their own; the partial unique index makes the second transaction fail instead.
      // Partial indexes exist in both SQLite and PostgreSQL.
      const d = db;
      await d.schema.createIndex('jwt_signing_keys_one_active_idx').on('jwt_signing_keys').column('alg').unique().where(sql.ref('state'), '=', 'active').execute();
    },
  },
  {
    version: 102,
    name: 'pending JWT signing keys: published first, signing from activates_at_ms',
    async up(db, dialect) {
      const d = db;
      // SQLite adds a NOT NULL column only with a default; every existing key signed from its creation.
      await d.schema.alterTable('jwt_signing_keys').addColumn('activates_at_ms', bigint(dialect), (c) => c.notNull().defaultTo(0)).execute();
      await d.updateTable('jwt_signing_keys').set({ activates_at_ms: sql<number>`created_at_ms` }).execute();
      // One scheduled rotation per algorithm at a time: publishSigningKey is a single INSERT that
      // this index turns into "pending_exists" for every concurrent second caller.
      await d.schema.createIndex('jwt_signing_keys_one_pending_idx').on('jwt_signing_keys').column('alg').unique().where(sql.ref('state'), '=', 'pending').execute();
    },
  },
  {
    // In the shared range (400–499) rather than 1xx: its trigger writes the change log (400).
    version: 460,
    name: 'revoked tokens, announced on the change log',
    async up(db, dialect) {
      const ms = bigint(dialect);
      // The primary key makes a revocation one INSERT: revoking again inserts (and audits) nothing.
      // It includes the app and environment, so a revocation in one app can never stand in for
      // (or block) the revocation of a token of the same jti in another.
      await db.schema
        .createTable('revoked_tokens')
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('revoked_at_ms', ms, (c) => c.notNull())
        .addColumn('expires_at_ms', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('revoked_tokens_pk', ['jti', 'app_id', 'environment'])
        .execute();
      await db.schema.createIndex('revoked_tokens_expiry_idx').on('revoked_tokens').column('expires_at_ms').execute();
      // Every process's TokenService hears of a revocation from the row written in the revoking
      // transaction, like every other authority change (migrations-shared.ts).
      if (dialect === 'sqlite') {
        await sql.raw(`CREATE TRIGGER change_log_revoked_tokens AFTER INSERT ON revoked_tokens
          BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('token', NEW.jti, ${NOW_MS}); END`).execute(db);
      } else {
        await sql.raw(`CREATE FUNCTION change_log_revoked_tokens_fn() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('token', NEW.jti, ${PG_NOW_MS}); RETURN NULL; END $$`).execute(db);
        await sql.raw(`CREATE TRIGGER change_log_revoked_tokens AFTER INSERT ON revoked_tokens FOR EACH ROW EXECUTE FUNCTION change_log_revoked_tokens_fn()`).execute(db);
      }
    },
  },
];
