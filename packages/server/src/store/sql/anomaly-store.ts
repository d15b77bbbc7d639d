import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { AnomalyRule } from '../../anomaly/model.js';
import type { AnomalyFilter, AnomalyRecord, AnomalyStatus, AnomalyStore, StoredBaseline } from '../../anomaly/store.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Page, PageRequest, WriteOutcome } from '../types.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';

export interface AnomalyTables {
  anomalies: {
    id: string;
    rule: string;
    app_id: string | null;
    entity: string;
    credential_kind: string | null;
    detected_at_ms: number;
    detail: string;
    action: string;
    action_outcome: string;
    status: string;
    closed_at_ms: number | null;
    closed_by: string | null;
  };
  anomaly_baselines: { entity: string; type: string; state: string; updated_at_ms: number };
}

/** Versions 800–899: anomaly detection. */
export const ANOMALY_MIGRATIONS: readonly Migration[] = [
  {
    version: 800,
    name: 'anomalies and the baselines that survive a restart',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('anomalies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('credential_kind', 'text')
        .addColumn('detected_at_ms', ms, (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('action_outcome', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('closed_at_ms', ms)
        .addColumn('closed_by', 'text')
        .execute();
      // The usual question: this app's open anomalies, newest first.
      await db.schema.createIndex('anomalies_app_idx').on('anomalies').columns(['app_id', 'status', 'detected_at_ms']).execute();
      await db.schema
        .createTable('anomaly_baselines')
        .addColumn('entity', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('anomaly_baselines_updated_idx').on('anomaly_baselines').column('updated_at_ms').execute();
    },
  },
];

type Row = AnomalyTables['anomalies'];

function fromRow(r: Row): AnomalyRecord {
  return {
    id: r.id,
    rule: r.rule as AnomalyRule,
    appId: r.app_id,
    entity: r.entity,
    credentialKind: r.credential_kind,
    detectedAtMs: Number(r.detected_at_ms),
    detail: JSON.parse(r.detail) as AnomalyRecord['detail'],
    action: r.action as AnomalyRecord['action'],
    actionOutcome: r.action_outcome as AnomalyRecord['actionOutcome'],
    status: r.status as AnomalyStatus,
    closedAtMs: r.closed_at_ms === null ? null : Number(r.closed_at_ms),
    closedBy: r.closed_by,
  };
}

/** Anomalies on the core store's connection (SQLite or PostgreSQL through Kysely). */
export class SqlAnomalyStore implements AnomalyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(a: AnomalyRecord, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('anomalies')
        .values({
          id: a.id,
          rule: a.rule,
          app_id: a.appId,
          entity: a.entity,
          credential_kind: a.credentialKind,
          detected_at_ms: a.detectedAtMs,
          detail: JSON.stringify(a.detail),
          action: a.action,
          action_outcome: a.actionOutcome,
          status: a.status,
          closed_at_ms: a.closedAtMs,
          closed_by: a.closedBy,
        })
        .execute();
      await appendAuditIn(trx, audit, a.detectedAtMs);
    });
  }

  async get(id: string): Promise<AnomalyRecord | undefined> {
    const r = await this.db.selectFrom('anomalies').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  /** Newest first; the cursor is `detectedAtMs:id` of the previous page's last item. */
  async list(filter: AnomalyFilter, page: PageRequest): Promise<Page<AnomalyRecord>> {
    let q = this.db.selectFrom('anomalies').selectAll().orderBy('detected_at_ms', 'desc').orderBy('id', 'desc').limit(page.limit + 1);
    if (filter.appId !== undefined) q = q.where('app_id', '=', filter.appId);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.rule !== undefined) q = q.where('rule', '=', filter.rule);
    if (page.after) {
      const [ms, id] = splitCursor(page.after);
      q = q.where((eb) => eb.or([eb('detected_at_ms', '<', ms), eb.and([eb('detected_at_ms', '=', ms), eb('id', '<', id)])]));
    }
    const rows = (await q.execute()).map(fromRow);
    if (rows.length <= page.limit) return { items: rows };
    const last = rows[page.limit - 1]!;
    return { items: rows.slice(0, page.limit), next: `${last.detectedAtMs}:${last.id}` };
  }

  async close(id: string, status: Exclude<AnomalyStatus, 'open'>, by: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('anomalies').set({ status, closed_at_ms: nowMs, closed_by: by }).where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
      return guardedWrite(trx, res, { table: 'anomalies', id }, audit, nowMs);
    });
  }

  async saveBaselines(entries: readonly StoredBaseline[]): Promise<void> {
    // Batches keep each statement's parameter count far below SQLite's and PostgreSQL's limits.
    for (let i = 0; i < entries.length; i += 200) {
      const batch = entries.slice(i, i + 200).map((e) => ({ entity: e.entity, type: e.type, state: e.state, updated_at_ms: e.updatedAtMs }));
      await this.db
        .insertInto('anomaly_baselines')
        .values(batch)
        .onConflict((oc) => oc.column('entity').doUpdateSet({ type: sql.ref('excluded.type'), state: sql.ref('excluded.state'), updated_at_ms: sql.ref('excluded.updated_at_ms') }))
        .execute();
    }
  }

  async loadBaselines(limit: number): Promise<readonly StoredBaseline[]> {
    const rows = await this.db.selectFrom('anomaly_baselines').selectAll().orderBy('updated_at_ms', 'desc').orderBy('entity').limit(limit).execute();
    return rows.reverse().map((r) => ({ entity: r.entity, type: r.type as StoredBaseline['type'], state: r.state, updatedAtMs: Number(r.updated_at_ms) }));
  }

  async pruneBaselines(olderThanMs: number): Promise<number> {
    const r = await this.db.deleteFrom('anomaly_baselines').where('updated_at_ms', '<', olderThanMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/** A cursor the API handed out; anything else is a bad request, not a crash. */
function splitCursor(cursor: string): [number, string] {
  const i = cursor.indexOf(':');
  const ms = Number(cursor.slice(0, i));
  if (i <= 0 || !Number.isSafeInteger(ms)) throw new KeywardError('VALIDATION_FAILED', 'the cursor is not one this API handed out');
  return [ms, cursor.slice(i + 1)];
}
