import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { EventSeriesQuery, EventSeriesStore, EventTotals } from '../../analytics/event-series.js';
import { bucketSizeMs } from '../../analytics/model.js';
import type { Migration } from './migrations.js';
import type { Database } from './schema.js';

/**
 * Indexes the series' grouped counts range over: each table by (app, time), so one app's window
 * is an index range, not a table scan. Each migration is numbered in its table's feature range
 * (all-migrations.ts), after the migration that created the table.
 */
export const EVENT_SERIES_MIGRATIONS: readonly Migration[] = [
  {
    version: 602,
    name: 'webhook deliveries by app and time (usage overview series)',
    up: (db) => db.schema.createIndex('webhook_deliveries_app_created').on('webhook_deliveries').columns(['app_id', 'created_at_ms']).execute(),
  },
  {
    version: 652,
    name: 'leak reports by app and first report (usage overview series)',
    up: (db) => db.schema.createIndex('leak_reports_app_first').on('leak_reports').columns(['app_id', 'first_reported_at_ms']).execute(),
  },
  {
    version: 801,
    name: 'anomalies by app and detection time (usage overview series)',
    up: (db) => db.schema.createIndex('anomalies_app_detected').on('anomalies').columns(['app_id', 'detected_at_ms']).execute(),
  },
];

type Db = Kysely<Database>;

/**
 * The series counted on the core store's connection (SQLite or PostgreSQL): one grouped query per
 * family, each bucketing in SQL with `t - t % size` (times are non-negative integer ms, so `%` is the
 * same on both dialects). The size is inlined: it comes from the fixed granularity table, never
 * from the caller.
 */
export class SqlEventSeriesStore implements EventSeriesStore {
  constructor(private readonly db: Db) {}

  async countEvents(q: EventSeriesQuery): Promise<EventTotals> {
    const size = sql.lit(bucketSizeMs(q.granularity));
    const bucket = (column: string): RawBuilder<number> => sql<number>`(${sql.ref(column)} - (${sql.ref(column)} % ${size}))`;
    const num = (v: unknown): number => Number(v);

    let refusals = this.db
      .selectFrom('attestation_events')
      .select([bucket('last_at_ms').as('b'), 'outcome', 'code', sql<number>`SUM(count)`.as('n')])
      .where('last_at_ms', '>=', q.fromMs)
      .where('last_at_ms', '<', q.toMs);
    let passes = this.db
      .selectFrom('app_instances')
      .select([bucket('created_at_ms').as('b'), sql<number>`COUNT(*)`.as('n')])
      .where('created_at_ms', '>=', q.fromMs)
      .where('created_at_ms', '<', q.toMs);
    let leaks = this.db
      .selectFrom('leak_reports')
      .select([bucket('first_reported_at_ms').as('b'), 'status', 'source', sql<number>`COUNT(*)`.as('n')])
      .where('first_reported_at_ms', '>=', q.fromMs)
      .where('first_reported_at_ms', '<', q.toMs);
    let anomalies = this.db
      .selectFrom('anomalies')
      .select([bucket('detected_at_ms').as('b'), 'rule', sql<number>`COUNT(*)`.as('n')])
      .where('detected_at_ms', '>=', q.fromMs)
      .where('detected_at_ms', '<', q.toMs);
    let webhooks = this.db
      .selectFrom('webhook_deliveries')
      .select([bucket('created_at_ms').as('b'), 'status', sql<number>`COUNT(*)`.as('n')])
      .where('created_at_ms', '>=', q.fromMs)
      .where('created_at_ms', '<', q.toMs);
    if (q.appId !== undefined) {
      refusals = refusals.where('app_id', '=', q.appId);
      passes = passes.where('app_id', '=', q.appId);
      leaks = leaks.where('app_id', '=', q.appId);
      anomalies = anomalies.where('app_id', '=', q.appId);
      webhooks = webhooks.where('app_id', '=', q.appId);
    }
    const [r, p, l, a, w] = await Promise.all([
      refusals.groupBy([bucket('last_at_ms'), 'outcome', 'code']).orderBy(bucket('last_at_ms')).orderBy('outcome').orderBy('code').execute(),
      passes.groupBy(bucket('created_at_ms')).orderBy(bucket('created_at_ms')).execute(),
      leaks.groupBy([bucket('first_reported_at_ms'), 'status', 'source']).orderBy(bucket('first_reported_at_ms')).orderBy('status').orderBy('source').execute(),
      anomalies.groupBy([bucket('detected_at_ms'), 'rule']).orderBy(bucket('detected_at_ms')).orderBy('rule').execute(),
      webhooks.groupBy([bucket('created_at_ms'), 'status']).orderBy(bucket('created_at_ms')).orderBy('status').execute(),
    ]);
    return {
      attestation: [
        ...p.map((x) => ({ startMs: num(x.b), outcome: 'passed' as const, code: 'VALID', count: num(x.n) })),
        ...r.map((x) => ({ startMs: num(x.b), outcome: x.outcome === 'monitored' ? ('monitored' as const) : ('refused' as const), code: x.code, count: num(x.n) })),
      ],
      leaks: l.map((x) => ({ startMs: num(x.b), status: x.status, source: x.source, count: num(x.n) })),
      anomalies: a.map((x) => ({ startMs: num(x.b), rule: x.rule, count: num(x.n) })),
      webhooks: w.map((x) => ({ startMs: num(x.b), status: x.status, count: num(x.n) })),
    };
  }
}
