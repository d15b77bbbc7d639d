import { sql, type Kysely } from 'kysely';
import { type Migration, bigint } from './migrations.js';
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
];
