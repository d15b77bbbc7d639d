import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { Environment } from '../../keys/model.js';
import type { Session } from '../../sessions/model.js';
import type { ThrottlePolicy } from '../../sessions/decide.js';
import type { PasswordRecord, PasswordReservation, SessionStore } from '../../sessions/store.js';
import type { WriteOutcome } from '../types.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';

export interface SessionTables {
  sessions: {
    id: string;
    app_id: string;
    environment: string;
    subject: string;
    device: string;
    session_key_hash: string;
    session_key_expires_at_ms: number;
    refresh_hash: string;
    generation: number;
    created_at_ms: number;
    last_used_at_ms: number;
    idle_ttl_ms: number;
    absolute_expires_at_ms: number;
    revoked_at_ms: number | null;
    revoked_reason: string | null;
  };
  spent_refresh_tokens: { hash: string; session_id: string; spent_at_ms: number };
  subject_passwords: { app_id: string; environment: string; subject: string; hash: string; failed_count: number; locked_until_ms: number; version: number; updated_at_ms: number };
}

type Db = Kysely<Database>;

export const SESSION_MIGRATIONS: readonly Migration[] = [
  {
    version: 200,
    name: 'sessions, spent refresh tokens, passwords',
    async up(db, dialect) {
      const ms = bigint(dialect);
      const d = db;
      await d.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('session_key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('session_key_expires_at_ms', ms, (c) => c.notNull())
        .addColumn('refresh_hash', 'text', (c) => c.notNull().unique())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('last_used_at_ms', ms, (c) => c.notNull())
        .addColumn('idle_ttl_ms', ms, (c) => c.notNull())
        .addColumn('absolute_expires_at_ms', ms, (c) => c.notNull())
        .addColumn('revoked_at_ms', ms)
        .addColumn('revoked_reason', 'text')
        .execute();
      await d.schema.createIndex('sessions_subject_idx').on('sessions').columns(['app_id', 'environment', 'subject']).execute();
      await d.schema
        .createTable('spent_refresh_tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('spent_at_ms', ms, (c) => c.notNull())
        .execute();
      await d.schema
        .createTable('subject_passwords')
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('failed_count', 'integer', (c) => c.notNull())
        .addColumn('locked_until_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('subject_passwords_pk', ['app_id', 'environment', 'subject'])
        .execute();
    },
  },
];

function fromRow(r: SessionTables['sessions']): Session {
  return {
    id: r.id,
    appId: r.app_id,
    environment: r.environment as Environment,
    subject: r.subject,
    device: JSON.parse(r.device),
    sessionKeyHash: r.session_key_hash,
    sessionKeyExpiresAtMs: Number(r.session_key_expires_at_ms),
    refreshHash: r.refresh_hash,
    generation: Number(r.generation),
    createdAtMs: Number(r.created_at_ms),
    lastUsedAtMs: Number(r.last_used_at_ms),
    idleTtlMs: Number(r.idle_ttl_ms),
    absoluteExpiresAtMs: Number(r.absolute_expires_at_ms),
    revokedAtMs: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
    revokedReason: r.revoked_reason,
  };
}

export class SqlSessionStore implements SessionStore {
  private readonly db: Db;
  private readonly dialect: 'sqlite' | 'postgres';

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.db = db;
    this.dialect = dialect;
  }

  async insertSession(s: Session, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: s.id,
          app_id: s.appId,
          environment: s.environment,
          subject: s.subject,
          device: JSON.stringify(s.device),
          session_key_hash: s.sessionKeyHash,
          session_key_expires_at_ms: s.sessionKeyExpiresAtMs,
          refresh_hash: s.refreshHash,
          generation: s.generation,
          created_at_ms: s.createdAtMs,
          last_used_at_ms: s.lastUsedAtMs,
          idle_ttl_ms: s.idleTtlMs,
          absolute_expires_at_ms: s.absoluteExpiresAtMs,
          revoked_at_ms: null,
          revoked_reason: null,
        })
        .execute();
      await appendAuditIn(trx, audit, s.createdAtMs);
    });
  }

  async getSession(id: string): Promise<Session | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async findBySessionKeyHash(hash: string): Promise<Session | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('session_key_hash', '=', hash).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async findByRefreshHash(hash: string): Promise<Session | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('refresh_hash', '=', hash).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async findSpentRefresh(hash: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('spent_refresh_tokens').select('session_id').where('hash', '=', hash).executeTakeFirst();
    return r?.session_id;
  }

  async rotateTokens(input: { sessionId: string; expectedRefreshHash: string; sessionKeyHash: string; sessionKeyExpiresAtMs: number; refreshHash: string; nowMs: number }): Promise<'ok' | 'conflict'> {
    const greatest = this.dialect === 'postgres' ? sql`GREATEST` : sql`MAX`;
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('sessions')
        .set({
          session_key_hash: input.sessionKeyHash,
          session_key_expires_at_ms: input.sessionKeyExpiresAtMs,
          refresh_hash: input.refreshHash,
          generation: sql`generation + 1`,
          // max(), as in touchSessions: a refresh stamped by a node whose clock is behind must not
          // move the last use back (which would end an active session early for idleness).
          last_used_at_ms: sql`${greatest}(last_used_at_ms, ${input.nowMs})`,
        })
        .where('id', '=', input.sessionId)
        .where('refresh_hash', '=', input.expectedRefreshHash)
        .where('revoked_at_ms', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return 'conflict';
      await trx.insertInto('spent_refresh_tokens').values({ hash: input.expectedRefreshHash, session_id: input.sessionId, spent_at_ms: input.nowMs }).execute();
      return 'ok';
    });
  }

  async revokeSession(id: string, reason: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('sessions').set({ revoked_at_ms: nowMs, revoked_reason: reason }).where('id', '=', id).where('revoked_at_ms', 'is', null).executeTakeFirst();
      return guardedWrite(trx, res, { table: 'sessions', id }, audit, nowMs);
    });
  }

  async revokeSubjectSessions(appId: string, environment: Environment, subject: string, reason: string, nowMs: number, audit: AuditDraft): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('sessions')
        .set({ revoked_at_ms: nowMs, revoked_reason: reason })
        .where('app_id', '=', appId)
        .where('environment', '=', environment)
        .where('subject', '=', subject)
        .where('revoked_at_ms', 'is', null)
        .executeTakeFirst();
      const n = Number(res.numUpdatedRows);
      await appendAuditIn(trx, { ...audit, data: { ...audit.data, revoked: n } }, nowMs);
      return n;
    });
  }

  async listSessions(appId: string, environment: Environment, subject: string | undefined, includeRevoked: boolean, limit: number): Promise<readonly Session[]> {
    let q = this.db.selectFrom('sessions').selectAll().where('app_id', '=', appId).where('environment', '=', environment).orderBy('created_at_ms', 'desc').limit(limit);
    if (subject !== undefined) q = q.where('subject', '=', subject);
    if (!includeRevoked) q = q.where('revoked_at_ms', 'is', null);
    return (await q.execute()).map(fromRow);
  }

  async touchSessions(touches: ReadonlyArray<{ id: string; lastUsedAtMs: number }>): Promise<void> {
    if (touches.length === 0) return;
    const greatest = this.dialect === 'postgres' ? sql`GREATEST` : sql`MAX`;
    await this.db.transaction().execute(async (trx) => {
      for (const t of touches) {
        await trx.updateTable('sessions').set({ last_used_at_ms: sql`${greatest}(last_used_at_ms, ${t.lastUsedAtMs})` }).where('id', '=', t.id).execute();
      }
    });
  }

  async getPassword(appId: string, environment: Environment, subject: string): Promise<PasswordRecord | undefined> {
    const r = await this.db.selectFrom('subject_passwords').selectAll().where('app_id', '=', appId).where('environment', '=', environment).where('subject', '=', subject).executeTakeFirst();
    return r ? { hash: r.hash, failedCount: Number(r.failed_count), lockedUntilMs: Number(r.locked_until_ms), version: Number(r.version) } : undefined;
  }

  async setPassword(appId: string, environment: Environment, subject: string, hash: string, nowMs: number, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // One upsert, not read-then-write: concurrent first passwords for a subject cannot collide
      // on the primary key, and a replacement bumps the version in SQL.
      await trx
        .insertInto('subject_passwords')
        .values({ app_id: appId, environment, subject, hash, failed_count: 0, locked_until_ms: 0, version: 1, updated_at_ms: nowMs })
        .onConflict((oc) =>
          oc.columns(['app_id', 'environment', 'subject']).doUpdateSet({ hash, failed_count: 0, locked_until_ms: 0, version: sql`subject_passwords.version + 1`, updated_at_ms: nowMs }),
        )
        .execute();
      await appendAuditIn(trx, audit, nowMs);
    });
  }

  async reservePasswordAttempt(appId: string, environment: Environment, subject: string, nowMs: number, policy: ThrottlePolicy): Promise<PasswordReservation> {
    // One guarded UPDATE: the lock check and the failure count are a single atomic write, so of
    // concurrent reservations only as many as the throttle allows find the row unlocked. The SET
    // is afterFailure() (sessions/decide.ts) in SQL; right-hand sides read the old row. The shift
    // is capped so it cannot overflow (any cap past maxLockMs gives the same answer).
    const least = this.dialect === 'postgres' ? sql`LEAST` : sql`MIN`;
    const next = sql<number>`failed_count + 1`;
    const lockMs = sql<number>`${least}(CAST(${policy.maxLockMs} AS bigint), CAST(${policy.baseLockMs} AS bigint) * (CAST(1 AS bigint) << ${least}(${next} - ${policy.freeAttempts}, 30)))`;
    const row = await this.db
      .updateTable('subject_passwords')
      .set({
        failed_count: next,
        locked_until_ms: sql<number>`CASE WHEN ${next} >= ${policy.freeAttempts} THEN CAST(${nowMs} AS bigint) + ${lockMs} ELSE locked_until_ms END`,
        version: sql`version + 1`,
      })
      .where('app_id', '=', appId)
      .where('environment', '=', environment)
      .where('subject', '=', subject)
      .where('locked_until_ms', '<=', nowMs)
      .returning(['hash', 'failed_count', 'locked_until_ms', 'version'])
      .executeTakeFirst();
    if (row) return { outcome: 'granted', record: { hash: row.hash, failedCount: Number(row.failed_count), lockedUntilMs: Number(row.locked_until_ms), version: Number(row.version) } };
    const current = await this.getPassword(appId, environment, subject);
    // Not updated and present means locked (a reset between the two reads makes it retryable, not
    // wrong: the caller answers LOGIN_THROTTLED with a zero wait at worst).
    return current ? { outcome: 'locked', lockedUntilMs: current.lockedUntilMs } : { outcome: 'not_found' };
  }

  async clearPasswordFailures(appId: string, environment: Environment, subject: string, verifiedHash: string): Promise<WriteOutcome> {
    const res = await this.db
      .updateTable('subject_passwords')
      .set({ failed_count: 0, locked_until_ms: 0, version: sql`version + 1` })
      .where('app_id', '=', appId)
      .where('environment', '=', environment)
      .where('subject', '=', subject)
      .where('hash', '=', verifiedHash)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return 'ok';
    return (await this.getPassword(appId, environment, subject)) ? 'conflict' : 'not_found';
  }
}
