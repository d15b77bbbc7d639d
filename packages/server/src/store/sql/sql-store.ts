import { sql, type Kysely } from 'kysely';
import type { App, AppSettings } from '../../apps/model.js';
import type { CreditSpend } from '../../keys/credits.js';
import { spendKeyCreditsSql } from './credit-spend.js';
import type { AuditDraft, AuditRecord } from '../../audit/model.js';
import type { KeyPatch, KeyRecord, KeySecret } from '../../keys/model.js';
import type { AppDeletion, AppDeletionOutcome, KeyFilter, Page, PageRequest, SealedKeySecret, Store, UsageDelta, WriteOutcome } from '../types.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';
import type { ClientConfig } from 'pg';
import { runMigrations, type Migration } from './migrations.js';
import { KEY_LOOKUP_STATEMENT, foundFromRow, keyLookupQuery, type KeyLookupRow } from './key-lookup.js';
import { appFromRow, appToRow, auditFromRow, keyFromRow, keyPatchToSet, keyToRow, secretFromRow } from './rows.js';
import { updateKeyKeepingFullRoot } from './root-keys.js';
import type { Database } from './schema.js';
import { deleteAppIn } from './app-delete.js';

type Db = Kysely<Database>;

/**
 * The Store on any SQL database Kysely speaks (SQLite, PostgreSQL). Dialect differences are kept
 * to the few places marked `dialect`.
 */
export class SqlStore implements Store {
  readonly backend: 'sqlite' | 'postgres';
  /** The file of a file-backed SQLite store: shared cross-process state opens its own connection to it. */
  sqliteFile: string | undefined;
  /**
   * How to open a connection of its own to a PostgreSQL store (the same URL, schema and types as
   * the pool): the change listener holds one outside the pool (store/postgres/change-listener.ts).
   */
  postgresClient: ClientConfig | undefined;
  /**
   * Set on PostgreSQL unless prepared statements are turned off (KEYWARD_DATABASE_PREPARED_STATEMENTS):
   * runs `sql` as the named prepared statement `name` on a pooled connection, for the hottest
   * lookups, which the server then plans once per connection instead of on every call.
   */
  preparedQuery: ((name: string, sql: string, parameters: readonly unknown[]) => Promise<readonly unknown[]>) | undefined;
  private keyLookupSql: string | undefined;

  constructor(
    readonly db: Kysely<Database>,
    dialect: 'sqlite' | 'postgres',
    private readonly migrations: readonly Migration[],
    /** Runs while the connection is still open, just before it closes (SQLite folds its WAL here). */
    private readonly beforeClose: () => void | Promise<void> = () => {},
  ) {
    this.backend = dialect;
  }

  async migrate(): Promise<void> {
    await runMigrations(this.db, this.backend, this.migrations, Date.now());
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.beforeClose();
    await this.db.destroy();
  }

  // ---- apps -------------------------------------------------------------------------------

  async getApp(id: string): Promise<App | undefined> {
    const row = await this.db.selectFrom('apps').selectAll().where('id', '=', id).where('deleted_at_ms', 'is', null).executeTakeFirst();
    return row ? appFromRow(row) : undefined;
  }

  async listApps(page: PageRequest): Promise<Page<App>> {
    let q = this.db.selectFrom('apps').selectAll().where('deleted_at_ms', 'is', null).orderBy('id').limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    const rows = await q.execute();
    return paginate(rows.map(appFromRow), page.limit, (a) => a.id);
  }

  async createApp(app: App, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('apps').values(appToRow(app)).execute();
      await appendAuditIn(trx, audit, app.createdAtMs);
    });
  }

  async updateApp(
    id: string,
    patch: { name?: string; settings?: AppSettings },
    expectedVersion: number,
    nowMs: number,
    audit: AuditDraft,
  ): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('apps')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.settings !== undefined ? { settings: JSON.stringify(patch.settings) } : {}),
          updated_at_ms: nowMs,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .where('deleted_at_ms', 'is', null)
        .executeTakeFirst();
      return guardedWrite(trx, res, { table: 'apps', id }, audit, nowMs);
    });
  }

  deleteApp(deletion: AppDeletion, audit: (revoked: AppDeletionOutcome['revoked']) => AuditDraft): Promise<AppDeletionOutcome> {
    return deleteAppIn(this.db, deletion, audit);
  }

  // ---- keys -------------------------------------------------------------------------------

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const row = await this.db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? keyFromRow(row) : undefined;
  }

  async listKeys(filter: KeyFilter, page: PageRequest): Promise<Page<KeyRecord>> {
    let q = this.db.selectFrom('keys').selectAll().orderBy('id').limit(page.limit + 1);
    if (filter.appId !== undefined) q = filter.appId === null ? q.where('app_id', 'is', null) : q.where('app_id', '=', filter.appId);
    if (filter.environment) q = q.where('environment', '=', filter.environment);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.subject !== undefined) q = q.where('subject', '=', filter.subject);
    if (!filter.includeRevoked) q = q.where('revoked_at_ms', 'is', null);
    if (page.after) q = q.where('id', '>', page.after);
    const rows = await q.execute();
    return paginate(rows.map(keyFromRow), page.limit, (k) => k.id);
  }

  async findKeyByHash(hash: string): Promise<{ key: KeyRecord; secret: KeySecret } | undefined> {
    if (this.preparedQuery) {
      // dialect: PostgreSQL runs the same SQL as a named prepared statement (store/sql/key-lookup.ts),
      // its text built once (the hash is its only parameter), so a miss does not rebuild the query either.
      this.keyLookupSql ??= keyLookupQuery(this.db, '').compile().sql;
      const rows = await this.preparedQuery(KEY_LOOKUP_STATEMENT, this.keyLookupSql, [hash]);
      return rows[0] ? foundFromRow(rows[0] as KeyLookupRow) : undefined;
    }
    const row = await keyLookupQuery(this.db, hash).executeTakeFirst();
    return row ? foundFromRow(row) : undefined;
  }

  async createKey(key: KeyRecord, secret: KeySecret, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await insertKeyIn(trx, key, secret, audit);
    });
  }

  async reissueKey(
    key: KeyRecord,
    secret: KeySecret,
    revoke: { keyId: string; expectedVersion: number; reason: string; nowMs: number } | undefined,
    audits: { reissue: AuditDraft; revoke: AuditDraft },
  ): Promise<WriteOutcome> {
    const rollback = new Error('reissue rolled back');
    let outcome: WriteOutcome = 'ok';
    try {
      await this.db.transaction().execute(async (trx) => {
        await insertKeyIn(trx, key, secret, audits.reissue);
        if (!revoke) return;
        const res = await trx
          .updateTable('keys')
          .set({ revoked_at_ms: revoke.nowMs, revoked_reason: revoke.reason, updated_at_ms: revoke.nowMs, version: sql`version + 1` })
          .where('id', '=', revoke.keyId)
          .where('version', '=', revoke.expectedVersion)
          .executeTakeFirst();
        outcome = await guardedWrite(trx, res, { table: 'keys', id: revoke.keyId }, audits.revoke, revoke.nowMs);
        if (outcome !== 'ok') throw rollback;
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return outcome;
  }

  async updateKey(id: string, patch: KeyPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const set = keyPatchToSet(patch);
      const res = await trx
        .updateTable('keys')
        .set({ ...set, updated_at_ms: nowMs, version: sql`version + 1` })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return guardedWrite(trx, res, { table: 'keys', id }, audit, nowMs);
    });
  }

  updateKeyKeepingFullRoot(id: string, patch: KeyPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome | 'last_full_root'> {
    return updateKeyKeepingFullRoot(this.db, this.backend, { id, patch, expectedVersion, nowMs, audit });
  }

  async rotateKey(
    input: { keyId: string; expectedVersion: number; newSecret: KeySecret; oldSecretsExpireAtMs: number; nowMs: number },
    audit: AuditDraft,
  ): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('keys')
        .set({ start: input.newSecret.start, updated_at_ms: input.nowMs, version: sql`version + 1` })
        .where('id', '=', input.keyId)
        .where('version', '=', input.expectedVersion)
        .where('revoked_at_ms', 'is', null)
        .executeTakeFirst();
      const guarded = await guardedWrite(trx, res, { table: 'keys', id: input.keyId }, undefined, input.nowMs);
      if (guarded !== 'ok') return guarded;
      // Cap, never extend: a secret already ending sooner keeps its earlier end.
      await trx
        .updateTable('key_secrets')
        .set({ expires_at_ms: input.oldSecretsExpireAtMs })
        .where('key_id', '=', input.keyId)
        .where((eb) => eb.or([eb('expires_at_ms', 'is', null), eb('expires_at_ms', '>', input.oldSecretsExpireAtMs)]))
        .execute();
      const s = input.newSecret;
      await trx
        .insertInto('key_secrets')
        .values({ hash: s.hash, key_id: s.keyId, start: s.start, created_at_ms: s.createdAtMs, expires_at_ms: s.expiresAtMs, sealed_secret: s.sealedSecret ?? null })
        .execute();
      await appendAuditIn(trx, audit, input.nowMs);
      return 'ok';
    });
  }

  async keyChangesSince(sinceMs: number, limit: number): Promise<readonly { id: string; version: number; updatedAtMs: number }[]> {
    const rows = await this.db
      .selectFrom('keys')
      .select(['id', 'version', 'updated_at_ms'])
      .where('updated_at_ms', '>=', sinceMs)
      .orderBy('updated_at_ms')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, version: Number(r.version), updatedAtMs: Number(r.updated_at_ms) }));
  }

  async listKeySecrets(keyId: string): Promise<readonly KeySecret[]> {
    const rows = await this.db.selectFrom('key_secrets').selectAll().where('key_id', '=', keyId).orderBy('created_at_ms').execute();
    return rows.map(secretFromRow);
  }

  async listSecretHashes(keyId: string): Promise<readonly string[]> {
    const rows = await this.db.selectFrom('key_secrets').select('hash').where('key_id', '=', keyId).execute();
    return rows.map((r) => r.hash);
  }

  async listSealedKeySecrets(afterHash: string | undefined, limit: number): Promise<readonly SealedKeySecret[]> {
    let q = this.db.selectFrom('key_secrets').select(['hash', 'key_id', 'sealed_secret']).where('sealed_secret', 'is not', null).orderBy('hash').limit(limit);
    if (afterHash !== undefined) q = q.where('hash', '>', afterHash);
    return (await q.execute()).map((r) => ({ hash: r.hash, keyId: r.key_id, sealedSecret: r.sealed_secret! }));
  }

  async resealKeySecret(hash: string, from: string, to: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('key_secrets').set({ sealed_secret: to }).where('hash', '=', hash).where('sealed_secret', '=', from).executeTakeFirst();
      return guardedWrite(trx, res, { table: 'key_secrets', id: hash, idColumn: 'hash' }, audit, nowMs);
    });
  }

  spendKeyCredits(keyId: string, cost: number, nowMs: number): Promise<CreditSpend> {
    return spendKeyCreditsSql(this.db, this.backend, keyId, cost, nowMs);
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const d of deltas) {
        const greatest = this.backend === 'postgres' ? sql`GREATEST` : sql`MAX`;
        await trx
          .updateTable('keys')
          .set({
            usage_count: sql`usage_count + ${d.count}`,
            last_used_at_ms: sql`${greatest}(COALESCE(last_used_at_ms, 0), ${d.lastUsedAtMs})`,
          })
          .where('id', '=', d.keyId)
          .execute();
      }
    });
  }

  // ---- audit ------------------------------------------------------------------------------

  async listAudit(query: { afterSeq?: number; limit: number; target?: string }): Promise<readonly AuditRecord[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('seq').limit(query.limit);
    if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
    if (query.target !== undefined) q = q.where('target', '=', query.target);
    return (await q.execute()).map(auditFromRow);
  }

  async auditHead(): Promise<{ seq: number; hash: string }> {
    const row = await this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { seq: Number(row.seq), hash: row.hash };
  }

  async appendAudit(audit: AuditDraft, nowMs: number): Promise<AuditRecord> {
    return this.db.transaction().execute((trx) => appendAuditIn(trx, audit, nowMs));
  }
}

function paginate<T>(items: T[], limit: number, cursor: (item: T) => string): Page<T> {
  if (items.length > limit) {
    const pageItems = items.slice(0, limit);
    return { items: pageItems, next: cursor(pageItems[pageItems.length - 1]!) };
  }
  return { items };
}

/** A new key, its secret's hash and its audit record, inside the caller's transaction (create and reissue share it). */
async function insertKeyIn(trx: Db, key: KeyRecord, secret: KeySecret, audit: AuditDraft): Promise<void> {
  await trx.insertInto('keys').values(keyToRow(key)).execute();
  await trx
    .insertInto('key_secrets')
    .values({ hash: secret.hash, key_id: secret.keyId, start: secret.start, created_at_ms: secret.createdAtMs, expires_at_ms: secret.expiresAtMs, sealed_secret: secret.sealedSecret ?? null })
    .execute();
  await appendAuditIn(trx, audit, key.createdAtMs);
}
