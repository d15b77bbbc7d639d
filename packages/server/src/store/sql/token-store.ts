import type { Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { SigningKeyRecord, TokenStore } from '../../tokens/store.js';
import type { TokenDb, TokenTables } from './migrations-tokens.js';
import type { Database } from './schema.js';
import { appendAuditIn } from './sql-store.js';

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

/**
 * TokenStore on the same Kysely instance as SqlStore (`new SqlTokenStore(sqlStore.db)`), so
 * rotations share the audit chain's transaction. Migrations: migrations-tokens.ts.
 */
export class SqlTokenStore implements TokenStore {
  private readonly db: TokenDb;

  constructor(db: Kysely<Database>) {
    this.db = db as unknown as TokenDb;
  }

  async listSigningKeys(): Promise<readonly SigningKeyRecord[]> {
    const rows = await this.db.selectFrom('jwt_signing_keys').selectAll().where('state', '!=', 'retired').orderBy('created_at_ms').orderBy('kid').execute();
    return rows.map(fromRow);
  }

  async rotateSigningKey(next: SigningKeyRecord, retireAfterMs: number, audit: AuditDraft): Promise<readonly string[]> {
    if (next.state !== 'active') throw new TypeError('rotateSigningKey inserts an active key');
    return this.db.transaction().execute(async (trx) => {
      const demoted = await trx
        .updateTable('jwt_signing_keys')
        .set({ state: 'published', retire_after_ms: retireAfterMs })
        .where('state', '=', 'active')
        .where('alg', '=', next.alg)
        .returning('kid')
        .execute();
      // With the partial unique index, a concurrent rotation's insert fails here and rolls back.
      await trx
        .insertInto('jwt_signing_keys')
        .values({ kid: next.kid, alg: next.alg, public_jwk: JSON.stringify(next.publicJwk), sealed_private_jwk: next.sealedPrivateJwk, state: 'active', created_at_ms: next.createdAtMs, retire_after_ms: null })
        .execute();
      const kids = demoted.map((r) => r.kid);
      await appendAuditIn(trx as never, { ...audit, data: { ...audit.data, demoted: kids } }, next.createdAtMs);
      return kids;
    });
  }

  async retireSigningKeys(nowMs: number, by: Pick<AuditDraft, 'actor' | 'requestId'>): Promise<readonly string[]> {
    return this.db.transaction().execute(async (trx) => {
      // Guarded UPDATE … RETURNING: of two nodes racing, each key is retired (and audited) once.
      const retired = await trx
        .updateTable('jwt_signing_keys')
        .set({ state: 'retired' })
        .where('state', '=', 'published')
        .where('retire_after_ms', '<=', nowMs)
        .returning(['kid', 'alg'])
        .execute();
      for (const r of retired) await appendAuditIn(trx as never, { ...by, action: 'signing_key.retire', target: r.kid, data: { alg: r.alg } }, nowMs);
      return retired.map((r) => r.kid);
    });
  }

  async consumeJti(jti: string, expiresAtMs: number, nowMs: number): Promise<'consumed' | 'already_used'> {
    const res = await this.db
      .insertInto('consumed_jtis')
      .values({ jti, expires_at_ms: expiresAtMs, consumed_at_ms: nowMs })
      .onConflict((oc) => oc.column('jti').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1 ? 'consumed' : 'already_used';
  }

  async pruneJtis(nowMs: number): Promise<number> {
    const res = await this.db.deleteFrom('consumed_jtis').where('expires_at_ms', '<=', nowMs).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
