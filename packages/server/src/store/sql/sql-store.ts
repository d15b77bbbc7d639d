import { sql, type Kysely, type Transaction } from 'kysely';
import type { App, AppSettings } from '../../apps/model.js';
import { auditHash } from '../../audit/chain.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { spendCredits, type CreditSpend, type KeyCredits } from '../../keys/credits.js';
import type { AuditDraft, AuditRecord } from '../../audit/model.js';
import type { KeyPatch, KeyRecord, KeySecret } from '../../keys/model.js';
import { newId } from '../../lib/ids.js';
import type { KeyFilter, Page, PageRequest, Store, UsageDelta, WriteOutcome } from '../types.js';
import { runMigrations, type Migration } from './migrations.js';
import { appFromRow, appToRow, auditFromRow, keyFromRow, keyToRow, num, secretFromRow } from './rows.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The Store on any SQL database Kysely speaks (SQLite, PostgreSQL). Dialect differences are kept
 * to the few places marked `dialect`.
 */
export class SqlStore implements Store {
  readonly backend: 'sqlite' | 'postgres';
  /** The file of a file-backed SQLite store: shared cross-process state opens its own connection to it. */
  sqliteFile: string | undefined;

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
    const row = await this.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? appFromRow(row) : undefined;
  }

  async listApps(page: PageRequest): Promise<Page<App>> {
    let q = this.db.selectFrom('apps').selectAll().orderBy('id').limit(page.limit + 1);
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
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        await appendAuditIn(trx, audit, nowMs);
        return 'ok';
      }
      return missOutcome(trx as never, 'apps', id);
    });
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
    // One query whether or not the hash exists: a found key must not take a second round trip
    // that an unknown one skips (bench/cases/verify-timing.bench.ts compares the two).
    const row = await this.db
      .selectFrom('key_secrets')
      .innerJoin('keys', 'keys.id', 'key_secrets.key_id')
      .selectAll('keys')
      .select(['key_secrets.hash as s_hash', 'key_secrets.start as s_start', 'key_secrets.created_at_ms as s_created_at_ms', 'key_secrets.expires_at_ms as s_expires_at_ms', 'key_secrets.sealed_secret as s_sealed_secret'])
      .where('key_secrets.hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    const { s_hash, s_start, s_created_at_ms, s_expires_at_ms, s_sealed_secret, ...keyRow } = row;
    return { key: keyFromRow(keyRow), secret: secretFromRow({ hash: s_hash, key_id: keyRow.id, start: s_start, created_at_ms: s_created_at_ms, expires_at_ms: s_expires_at_ms, sealed_secret: s_sealed_secret ?? null }) };
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
        if (Number(res.numUpdatedRows) !== 1) {
          outcome = await missOutcome(trx as never, 'keys', revoke.keyId);
          throw rollback;
        }
        await appendAuditIn(trx, audits.revoke, revoke.nowMs);
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return outcome;
  }

  async updateKey(id: string, patch: KeyPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const set: Partial<Database['keys']> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.scopes !== undefined) set.scopes = JSON.stringify(patch.scopes);
      if (patch.meta !== undefined) set.meta = JSON.stringify(patch.meta);
      if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
      if (patch.expiresAtMs !== undefined) set.expires_at_ms = patch.expiresAtMs;
      if (patch.ipAllowList !== undefined) set.ip_allow_list = JSON.stringify(patch.ipAllowList);
      if (patch.subject !== undefined) set.subject = patch.subject;
      if (patch.clientCertSha256 !== undefined) set.client_cert_sha256 = patch.clientCertSha256;
      if (patch.ratelimit !== undefined) set.ratelimit = patch.ratelimit ? JSON.stringify(patch.ratelimit) : null;
      if (patch.credits !== undefined) {
        set.credits = patch.credits ? JSON.stringify(patch.credits) : null;
        set.credits_remaining = patch.credits ? patch.credits.amount : null;
        set.credits_period_start_ms = null;
      }
      if (patch.revokedAtMs !== undefined) set.revoked_at_ms = patch.revokedAtMs;
      if (patch.revokedReason !== undefined) set.revoked_reason = patch.revokedReason;
      if (patch.exposedAtMs !== undefined) set.exposed_at_ms = patch.exposedAtMs;
      const res = await trx
        .updateTable('keys')
        .set({ ...set, updated_at_ms: nowMs, version: sql`version + 1` })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        await appendAuditIn(trx, audit, nowMs);
        return 'ok';
      }
      return missOutcome(trx as never, 'keys', id);
    });
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
      if (Number(res.numUpdatedRows) !== 1) {
        return missOutcome(trx as never, 'keys', input.keyId);
      }
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

  async spendKeyCredits(keyId: string, cost: number, nowMs: number): Promise<CreditSpend> {
    // Read, decide (pure), write, in one transaction that holds the row: PostgreSQL locks it
    // (FOR UPDATE), and SQLite's single connection is held for the whole transaction. A racing
    // spend waits its turn instead of losing a compare-and-set, so contention has no retry budget
    // to exhaust and never turns into an exception (a 500): every spend is spent or exhausted.
    return this.db.transaction().execute(async (trx) => {
      let read = trx.selectFrom('keys').select(['credits', 'credits_remaining', 'credits_period_start_ms']).where('id', '=', keyId);
      if (this.backend === 'postgres') read = read.forUpdate();
      const row = await read.executeTakeFirst();
      if (!row) return { outcome: 'not_found' } as const;
      if (!row.credits) return { outcome: 'unmetered' } as const;
      const credits = JSON.parse(row.credits) as KeyCredits;
      const balance = { remaining: Number(row.credits_remaining ?? 0), periodStartMs: num(row.credits_period_start_ms ?? null) };
      const d = spendCredits(balance, credits, nowMs, cost);
      if (d.next !== balance) {
        await trx.updateTable('keys').set({ credits_remaining: d.next.remaining, credits_period_start_ms: d.next.periodStartMs }).where('id', '=', keyId).execute();
      }
      return { outcome: d.allowed ? 'spent' : 'exhausted', remaining: d.next.remaining, resetAtMs: d.resetAtMs } as const;
    });
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

/**
 * Appends to the hash chain inside the caller's transaction. The head row is updated with a
 * compare-and-set on its sequence, which serialises concurrent appenders (a row lock on
 * PostgreSQL, the single writer on SQLite) so the chain never forks.
 */
export async function appendAuditIn(trx: Db, draft: AuditDraft, nowMs: number): Promise<AuditRecord> {
  try {
    return await appendAuditRecord(trx, draft, nowMs);
  } catch (err) {
    // Thrown inside the change's transaction, so the change rolls back with it: the caller gets
    // 503 AUDIT_UNAVAILABLE ("not made"), never a 500 that leaves them guessing.
    throw new KeywardError('AUDIT_UNAVAILABLE', undefined, { cause: err });
  }
}

async function appendAuditRecord(trx: Db, draft: AuditDraft, nowMs: number): Promise<AuditRecord> {
  const head = await trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  const seq = Number(head.seq) + 1;
  const base = {
    seq,
    id: newId('aud'),
    atMs: nowMs,
    actor: draft.actor,
    action: draft.action,
    target: draft.target,
    requestId: draft.requestId,
    data: draft.data ?? {},
    prevHash: head.hash,
  };
  const record: AuditRecord = { ...base, hash: auditHash(base) };
  const moved = await trx
    .updateTable('audit_head')
    .set({ seq, hash: record.hash })
    .where('id', '=', 1)
    .where('seq', '=', Number(head.seq))
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) throw new Error('audit chain head moved concurrently');
  await trx
    .insertInto('audit_log')
    .values({
      seq,
      id: record.id,
      at_ms: record.atMs,
      actor: record.actor,
      action: record.action,
      target: record.target,
      request_id: record.requestId,
      data: JSON.stringify(record.data),
      prev_hash: record.prevHash,
      hash: record.hash,
    })
    .execute();
  return record;
}

function paginate<T>(items: T[], limit: number, cursor: (item: T) => string): Page<T> {
  if (items.length > limit) {
    const pageItems = items.slice(0, limit);
    return { items: pageItems, next: cursor(pageItems[pageItems.length - 1]!) };
  }
  return { items };
}

/**
 * After a guarded UPDATE matched no row: was the row missing, or did its version move on?
 * Read inside the same transaction, so the answer is about the state the UPDATE saw.
 */
export async function missOutcome(trx: Transaction<never>, table: string, id: string, idColumn = 'id'): Promise<'conflict' | 'not_found'> {
  const row = await (trx as unknown as Kysely<Record<string, Record<string, unknown>>>).selectFrom(table).select(idColumn).where(idColumn, '=', id).executeTakeFirst();
  return row ? 'conflict' : 'not_found';
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
