import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { LeakOutcome, LeakReport, LeakStatus } from '../../leaks/model.js';
import type { LeakStore } from '../../leaks/store.js';
import type { WriteOutcome } from '../types.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';

export interface LeakTables {
  leak_reports: {
    id: string;
    token_hash: string;
    token_type: string;
    url: string;
    source: string;
    key_id: string | null;
    app_id: string | null;
    outcome: string;
    reported_by: string;
    report_count: number;
    first_reported_at_ms: number;
    last_reported_at_ms: number;
    status: string;
    closed_at_ms: number | null;
    closed_by: string | null;
  };
}

type Db = Kysely<Database>;

/** Leak reports own versions 650–699 (all-migrations.ts). */
export const LEAK_MIGRATIONS: readonly Migration[] = [
  {
    version: 650,
    name: 'leak reports',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('leak_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('token_type', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('app_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reported_by', 'text', (c) => c.notNull())
        .addColumn('report_count', 'integer', (c) => c.notNull())
        .addColumn('first_reported_at_ms', ms, (c) => c.notNull())
        .addColumn('last_reported_at_ms', ms, (c) => c.notNull())
        .addUniqueConstraint('leak_reports_token_url_uq', ['token_hash', 'url'])
        .execute();
      await db.schema.createIndex('leak_reports_last').on('leak_reports').columns(['last_reported_at_ms', 'id']).execute();
    },
  },
  {
    version: 651,
    name: 'leak report review (status, closed at, closed by)',
    async up(db, dialect) {
      // Reports received before this migration are open: nobody has reviewed them yet.
      await db.schema.alterTable('leak_reports').addColumn('status', 'text', (c) => c.notNull().defaultTo('open')).execute();
      await db.schema.alterTable('leak_reports').addColumn('closed_at_ms', bigint(dialect)).execute();
      await db.schema.alterTable('leak_reports').addColumn('closed_by', 'text').execute();
    },
  },
];

function fromRow(r: LeakTables['leak_reports']): LeakReport {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    tokenType: r.token_type,
    url: r.url,
    source: r.source,
    keyId: r.key_id,
    appId: r.app_id,
    outcome: r.outcome as LeakOutcome,
    reportedBy: r.reported_by,
    reportCount: Number(r.report_count),
    firstReportedAtMs: Number(r.first_reported_at_ms),
    lastReportedAtMs: Number(r.last_reported_at_ms),
    status: r.status as LeakStatus,
    closedAtMs: r.closed_at_ms === null ? null : Number(r.closed_at_ms),
    closedBy: r.closed_by,
  };
}

export class SqlLeakStore implements LeakStore {
  constructor(private readonly db: Db) {}

  async recordLeak(report: LeakReport, audit: AuditDraft): Promise<{ first: boolean; report: LeakReport }> {
    return this.db.transaction().execute(async (trx) => {
      // One statement either way: concurrent first reports meet the unique constraint, and the
      // loser's insert becomes the count (never a second row, never an error).
      const inserted = await trx
        .insertInto('leak_reports')
        .values({
          id: report.id,
          token_hash: report.tokenHash,
          token_type: report.tokenType,
          url: report.url,
          source: report.source,
          key_id: report.keyId,
          app_id: report.appId,
          outcome: report.outcome,
          reported_by: report.reportedBy,
          report_count: 1,
          first_reported_at_ms: report.firstReportedAtMs,
          last_reported_at_ms: report.lastReportedAtMs,
          status: 'open',
          closed_at_ms: null,
          closed_by: null,
        })
        .onConflict((oc) =>
          oc.columns(['token_hash', 'url']).doUpdateSet({
            report_count: sql`leak_reports.report_count + 1`,
            last_reported_at_ms: sql`CASE WHEN leak_reports.last_reported_at_ms > ${report.lastReportedAtMs} THEN leak_reports.last_reported_at_ms ELSE ${report.lastReportedAtMs} END`,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      const stored = fromRow(inserted);
      const first = stored.id === report.id;
      if (first) await appendAuditIn(trx, audit, report.firstReportedAtMs);
      return { first, report: stored };
    });
  }

  async listLeaks(query: { readonly appId?: string; readonly status?: LeakStatus; readonly limit: number; readonly before?: string }): Promise<readonly LeakReport[]> {
    let q = this.db.selectFrom('leak_reports').selectAll().orderBy('last_reported_at_ms', 'desc').orderBy('id', 'desc').limit(query.limit);
    if (query.appId) q = q.where('app_id', '=', query.appId);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.before) {
      const cursor = await this.getLeak(query.before);
      if (!cursor) return [];
      const at = cursor.lastReportedAtMs;
      q = q.where((eb) => eb.or([eb('last_reported_at_ms', '<', at), eb.and([eb('last_reported_at_ms', '=', at), eb('id', '<', cursor.id)])]));
    }
    return (await q.execute()).map(fromRow);
  }

  async closeLeak(id: string, status: Exclude<LeakStatus, 'open'>, by: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('leak_reports').set({ status, closed_at_ms: nowMs, closed_by: by }).where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
      return guardedWrite(trx, res, { table: 'leak_reports', id }, audit, nowMs);
    });
  }

  async getLeak(id: string): Promise<LeakReport | undefined> {
    const row = await this.db.selectFrom('leak_reports').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }
}
