import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { LeakOutcome, LeakReport } from '../../leaks/model.js';
import type { LeakStore } from '../../leaks/store.js';
import { appendAuditIn } from './audited-write.js';
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
    dismissed_at_ms: number | null;
    dismissed_by: string | null;
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
    name: 'leak reports can be dismissed',
    async up(db, dialect) {
      await db.schema.alterTable('leak_reports').addColumn('dismissed_at_ms', bigint(dialect)).execute();
      await db.schema.alterTable('leak_reports').addColumn('dismissed_by', 'text').execute();
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
    dismissedAtMs: r.dismissed_at_ms === null ? null : Number(r.dismissed_at_ms),
    dismissedBy: r.dismissed_by,
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
          dismissed_at_ms: null,
          dismissed_by: null,
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

  async listLeaks(query: { readonly appId?: string; readonly limit: number; readonly before?: string }): Promise<readonly LeakReport[]> {
    let q = this.db.selectFrom('leak_reports').selectAll().orderBy('last_reported_at_ms', 'desc').orderBy('id', 'desc').limit(query.limit);
    if (query.appId) q = q.where('app_id', '=', query.appId);
    if (query.before) {
      const cursor = await this.getLeak(query.before);
      if (!cursor) return [];
      const at = cursor.lastReportedAtMs;
      q = q.where((eb) => eb.or([eb('last_reported_at_ms', '<', at), eb.and([eb('last_reported_at_ms', '=', at), eb('id', '<', cursor.id)])]));
    }
    return (await q.execute()).map(fromRow);
  }

  async getLeak(id: string): Promise<LeakReport | undefined> {
    const row = await this.db.selectFrom('leak_reports').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async dismissLeak(id: string, nowMs: number, audit: AuditDraft): Promise<'dismissed' | 'already_dismissed' | 'not_found'> {
    return this.db.transaction().execute(async (trx) => {
      const done = await trx.updateTable('leak_reports').set({ dismissed_at_ms: nowMs, dismissed_by: audit.actor }).where('id', '=', id).where('dismissed_at_ms', 'is', null).executeTakeFirst();
      if (Number(done.numUpdatedRows) === 1) {
        await appendAuditIn(trx, audit, nowMs);
        return 'dismissed';
      }
      const exists = await trx.selectFrom('leak_reports').select('id').where('id', '=', id).executeTakeFirst();
      return exists ? 'already_dismissed' : 'not_found';
    });
  }
}
