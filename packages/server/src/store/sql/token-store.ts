import { type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { SigningKeyRecord, TokenStore } from '../../tokens/store.js';
import type { Migration } from './migrations.js';
import type { Database } from './schema.js';
import { appendAuditIn } from './sql-store.js';

export interface TokenTables {
  jwt_signing_keys: { kid: string; alg: string; public_jwk: string; sealed_private_jwk: string; state: string; created_at_ms: number; retire_after_ms: number | null };
  consumed_jtis: { jti: string; expires_at_ms: number; consumed_at_ms: number };
}
type Db = Kysely<Database & TokenTables>;

export const TOKEN_MIGRATIONS: readonly Migration[] = [
  {
    version: 100,
    name: 'JWT signing keys and consumed single-use token ids',
    async up(db, dialect) {
      const ms = dialect === 'postgres' ? 'bigint' : 'integer';
      const d = db as unknown as Db;
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
      await d.schema
        .createTable('consumed_jtis')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at_ms', ms, (c) => c.notNull())
        .addColumn('consumed_at_ms', ms, (c) => c.notNull())
        .execute();
      await d.schema.createIndex('consumed_jtis_expiry_idx').on('consumed_jtis').column('expires_at_ms').execute();
    },
  },
];

function fromRow(r: TokenTables['jwt_signing_keys']): SigningKeyRecord {
  return {
    kid: r.kid,
    alg: r.alg as SigningKeyRecord['alg'],
    publicJwk: JSON.parse(r.public_jwk),
    sealedPrivateJwk: r.sealed_private_jwk,
    state: r.state as SigningKeyRecord['state'],
    createdAtMs: Number(r.created_at_ms),
    retireAfterMs: r.retire_after_ms === null ? null : Number(r.retire_after_ms),
  };
}

export class SqlTokenStore implements TokenStore {
  private readonly db: Db;
  constructor(db: Kysely<Database>) {
    this.db = db as unknown as Db;
  }

  async listSigningKeys(): Promise<readonly SigningKeyRecord[]> {
    return (await this.db.selectFrom('jwt_signing_keys').selectAll().where('state', '!=', 'retired').orderBy('created_at_ms').execute()).map(fromRow);
  }

  async rotateSigningKey(next: SigningKeyRecord, retireAfterMs: number, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('jwt_signing_keys').set({ state: 'published', retire_after_ms: retireAfterMs }).where('state', '=', 'active').where('alg', '=', next.alg).execute();
      await trx
        .insertInto('jwt_signing_keys')
        .values({ kid: next.kid, alg: next.alg, public_jwk: JSON.stringify(next.publicJwk), sealed_private_jwk: next.sealedPrivateJwk, state: 'active', created_at_ms: next.createdAtMs, retire_after_ms: null })
        .execute();
      await appendAuditIn(trx as never, audit, next.createdAtMs);
    });
  }

  async retireSigningKeys(nowMs: number): Promise<number> {
    const res = await this.db.updateTable('jwt_signing_keys').set({ state: 'retired' }).where('state', '=', 'published').where('retire_after_ms', '<=', nowMs).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async consumeJti(jti: string, expiresAtMs: number, nowMs: number): Promise<'consumed' | 'already_used'> {
    const res = await this.db.insertInto('consumed_jtis').values({ jti, expires_at_ms: expiresAtMs, consumed_at_ms: nowMs }).onConflict((oc) => oc.column('jti').doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1 ? 'consumed' : 'already_used';
  }

  async pruneJtis(nowMs: number): Promise<number> {
    const res = await this.db.deleteFrom('consumed_jtis').where('expires_at_ms', '<=', nowMs).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
