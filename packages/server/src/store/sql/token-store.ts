import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { RevokedToken, SigningKeyRecord, TokenStore } from '../../tokens/store.js';
import type { TokenDb, TokenTables } from './migrations-tokens.js';
import type { Database } from './schema.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';

function fromRow(r: TokenTables['jwt_signing_keys']): SigningKeyRecord {
  return {
    kid: r.kid,
    alg: r.alg as SigningKeyRecord['alg'],
    publicJwk: JSON.parse(r.public_jwk),
    sealedPrivateJwk: r.sealed_private_jwk,
    state: r.state as SigningKeyRecord['state'],
    createdAtMs: Number(r.created_at_ms),
    activatesAtMs: Number(r.activates_at_ms),
    retireAfterMs: r.retire_after_ms === null ? null : Number(r.retire_after_ms),
  };
}

function toRow(k: SigningKeyRecord): TokenTables['jwt_signing_keys'] {
  return {
    kid: k.kid,
    alg: k.alg,
    public_jwk: JSON.stringify(k.publicJwk),
    sealed_private_jwk: k.sealedPrivateJwk,
    state: k.state,
    created_at_ms: k.createdAtMs,
    activates_at_ms: k.activatesAtMs,
    retire_after_ms: k.retireAfterMs,
  };
}

/**
 * TokenStore on the same Kysely instance as SqlStore (`new SqlTokenStore(sqlStore.db)`), so
 * rotations share the audit chain's transaction. Migrations: migrations-tokens.ts.
 */
export class SqlTokenStore implements TokenStore {
  private readonly db: TokenDb;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async listSigningKeys(): Promise<readonly SigningKeyRecord[]> {
    const rows = await this.db.selectFrom('jwt_signing_keys').selectAll().where('state', '!=', 'retired').orderBy('created_at_ms').orderBy('kid').execute();
    return rows.map(fromRow);
  }

  async listAllSigningKeys(afterKid: string | undefined, limit: number): Promise<readonly SigningKeyRecord[]> {
    let q = this.db.selectFrom('jwt_signing_keys').selectAll().orderBy('kid').limit(limit);
    if (afterKid !== undefined) q = q.where('kid', '>', afterKid);
    return (await q.execute()).map(fromRow);
  }

  async resealSigningKey(kid: string, from: string, to: string, nowMs: number, audit: AuditDraft): Promise<'ok' | 'conflict' | 'not_found'> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('jwt_signing_keys').set({ sealed_private_jwk: to }).where('kid', '=', kid).where('sealed_private_jwk', '=', from).executeTakeFirst();
      return guardedWrite(trx, res, { table: 'jwt_signing_keys', id: kid, idColumn: 'kid' }, audit, nowMs);
    });
  }

  async rotateSigningKey(next: SigningKeyRecord, retireAfterMs: number, audit: AuditDraft): Promise<readonly string[]> {
    if (next.state !== 'active') throw new TypeError('rotateSigningKey inserts an active key');
    return this.db.transaction().execute(async (trx) => {
      // A pending key is demoted too: an emergency key must not be replaced by one scheduled before it.
      const demoted = await trx
        .updateTable('jwt_signing_keys')
        .set({ state: 'published', retire_after_ms: retireAfterMs })
        .where('state', 'in', ['active', 'pending'])
        .where('alg', '=', next.alg)
        .returning('kid')
        .execute();
      // With the partial unique index, a concurrent rotation's insert fails here and rolls back.
      await trx.insertInto('jwt_signing_keys').values(toRow(next)).execute();
      const kids = demoted.map((r) => r.kid);
      await appendAuditIn(trx, { ...audit, data: { ...audit.data, demoted: kids } }, next.createdAtMs);
      return kids;
    });
  }

  async publishSigningKey(next: SigningKeyRecord, audit: AuditDraft): Promise<'published' | 'pending_exists'> {
    if (next.state !== 'pending') throw new TypeError('publishSigningKey inserts a pending key');
    return this.db.transaction().execute(async (trx) => {
      // One INSERT on the one-pending-per-alg partial unique index: a second concurrent caller
      // conflicts and inserts nothing (no check-then-insert window). kid collisions cannot happen
      // (122 random bits), so the only conflict is that index.
      const res = await trx
        .insertInto('jwt_signing_keys')
        .values(toRow(next))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) return 'pending_exists';
      await appendAuditIn(trx, audit, next.createdAtMs);
      return 'published';
    });
  }

  async activateSigningKeys(nowMs: number, overlapMs: number, by: Pick<AuditDraft, 'actor' | 'requestId'>): Promise<readonly string[]> {
    return this.db.transaction().execute(async (trx) => {
      // Both statements are guarded writes and the first one takes the write lock, so there is no
      // read to go stale: of two nodes racing, the second finds no due pending key and no active
      // key to demote for it, and changes nothing. Demote first: the one-active index forbids the
      // promotion while the old key is still active.
      const due = sql<number>`(select min(p.activates_at_ms) from jwt_signing_keys p where p.alg = jwt_signing_keys.alg and p.state = 'pending' and p.activates_at_ms <= ${nowMs})`;
      const demoted = await trx
        .updateTable('jwt_signing_keys')
        .set({ state: 'published', retire_after_ms: sql<number>`${due} + ${overlapMs}` })
        .where('state', '=', 'active')
        .where(sql<boolean>`${due} is not null`)
        .returning(['kid', 'alg'])
        .execute();
      const promoted = await trx
        .updateTable('jwt_signing_keys')
        .set({ state: 'active' })
        .where('state', '=', 'pending')
        .where('activates_at_ms', '<=', nowMs)
        .returning(['kid', 'alg'])
        .execute();
      for (const p of promoted) {
        const kids = demoted.filter((d) => d.alg === p.alg).map((d) => d.kid);
        await appendAuditIn(trx, { ...by, action: 'signing_key.activate', target: p.kid, data: { alg: p.alg, demoted: kids } }, nowMs);
      }
      return promoted.map((p) => p.kid);
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
      for (const r of retired) await appendAuditIn(trx, { ...by, action: 'signing_key.retire', target: r.kid, data: { alg: r.alg } }, nowMs);
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

  async revokeToken(revocation: RevokedToken, audit: AuditDraft): Promise<{ readonly outcome: 'revoked' | 'already_revoked'; readonly revocation: RevokedToken }> {
    const inserted = await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .insertInto('revoked_tokens')
        .values({ jti: revocation.jti, app_id: revocation.appId, environment: revocation.environment, reason: revocation.reason, revoked_at_ms: revocation.revokedAtMs, expires_at_ms: revocation.expiresAtMs })
        .onConflict((oc) => oc.columns(['jti', 'app_id', 'environment']).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
      await appendAuditIn(trx, audit, revocation.revokedAtMs);
      return true;
    });
    if (inserted) return { outcome: 'revoked', revocation };
    const existing = (await this.getRevokedTokens(revocation.jti)).find((r) => r.appId === revocation.appId && r.environment === revocation.environment);
    return { outcome: 'already_revoked', revocation: existing ?? revocation };
  }

  async getRevokedTokens(jti: string): Promise<readonly RevokedToken[]> {
    return (await this.db.selectFrom('revoked_tokens').selectAll().where('jti', '=', jti).execute()).map(revokedFromRow);
  }

  async listRevokedTokens(nowMs: number): Promise<readonly RevokedToken[]> {
    return (await this.db.selectFrom('revoked_tokens').selectAll().where('expires_at_ms', '>', nowMs).execute()).map(revokedFromRow);
  }

  async pruneRevokedTokens(nowMs: number): Promise<number> {
    const res = await this.db.deleteFrom('revoked_tokens').where('expires_at_ms', '<=', nowMs).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function revokedFromRow(r: TokenTables['revoked_tokens']): RevokedToken {
  return { jti: r.jti, appId: r.app_id, environment: r.environment, reason: r.reason, revokedAtMs: Number(r.revoked_at_ms), expiresAtMs: Number(r.expires_at_ms) };
}
