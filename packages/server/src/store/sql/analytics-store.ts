import { sql, type Kysely } from 'kysely';
import type { AnalyticsStore } from '../../analytics/store.js';
import { bucketStart, GRANULARITIES, type Granularity, type VerificationCount, type VerificationQuery, type VerificationTotal } from '../../analytics/model.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';
import type { KeyTotal } from '../../analytics/top-keys.js';

export interface AnalyticsTables {
  verification_buckets: {
    granularity: string;
    bucket_start_ms: number;
    app_id: string;
    key_id: string;
    /** '' for keys without an identity: a primary-key column cannot be NULL, and the upsert needs one conflict target. */
    identity_id: string;
    code: string;
    count: number;
  };
}

type Db = Kysely<Database>;

/** Versions 500–599: verification analytics. */
export const ANALYTICS_MIGRATIONS: readonly Migration[] = [
  {
    version: 500,
    name: 'verification analytics buckets (minute, hour, day)',
    async up(db, dialect) {
      const big = bigint(dialect);
      const d = db;
      await d.schema
        .createTable('verification_buckets')
        .addColumn('granularity', 'text', (c) => c.notNull())
        .addColumn('bucket_start_ms', big, (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('count', big, (c) => c.notNull())
        // The upsert's conflict target, and the app query's index (app first: the dashboard's usual question).
        .addPrimaryKeyConstraint('verification_buckets_pk', ['granularity', 'app_id', 'bucket_start_ms', 'key_id', 'identity_id', 'code'])
        .execute();
      await d.schema.createIndex('verification_buckets_key_idx').on('verification_buckets').columns(['granularity', 'key_id', 'bucket_start_ms']).execute();
      await d.schema.createIndex('verification_buckets_identity_idx').on('verification_buckets').columns(['granularity', 'identity_id', 'bucket_start_ms']).execute();
    },
  },
];

type Row = AnalyticsTables['verification_buckets'];

/** Analytics on the core store's connection (SQLite or PostgreSQL through Kysely). */
export class SqlAnalyticsStore implements AnalyticsStore {
  private readonly db: Db;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async addVerifications(counts: readonly VerificationCount[]): Promise<void> {
    if (counts.length === 0) return;
    // Roll the minute counts up in memory first: a minute's batch for one key collapses into one
    // hour row and one day row, so the transaction has as few statements as the data allows.
    const rows = new Map<string, Row>();
    for (const c of counts) {
      for (const granularity of GRANULARITIES) {
        const start = bucketStart(c.minuteStartMs, granularity);
        const identity = c.identityId ?? '';
        const id = `${granularity}|${start}|${c.appId}|${c.keyId}|${identity}|${c.code}`;
        const row = rows.get(id);
        if (row) row.count += c.count;
        else rows.set(id, { granularity, bucket_start_ms: start, app_id: c.appId, key_id: c.keyId, identity_id: identity, code: c.code, count: c.count });
      }
    }
    await this.db.transaction().execute(async (trx) => {
      const all = [...rows.values()];
      // Multi-row upserts in chunks (SQLite's default limit is 32 766 bound parameters; 7 per row).
      for (let i = 0; i < all.length; i += 500) {
        await trx
          .insertInto('verification_buckets')
          .values(all.slice(i, i + 500))
          .onConflict((oc) => oc.columns(['granularity', 'app_id', 'bucket_start_ms', 'key_id', 'identity_id', 'code']).doUpdateSet({ count: sql<number>`verification_buckets.count + excluded.count` }))
          .execute();
      }
    });
  }

  async queryVerifications(q: VerificationQuery): Promise<readonly VerificationTotal[]> {
    let query = this.db
      .selectFrom('verification_buckets')
      .select(['bucket_start_ms', 'code', sql<number>`SUM(count)`.as('total')])
      .where('granularity', '=', q.granularity)
      .where('bucket_start_ms', '>=', q.fromMs)
      .where('bucket_start_ms', '<', q.toMs);
    if (q.appId !== undefined) query = query.where('app_id', '=', q.appId);
    if (q.keyId !== undefined) query = query.where('key_id', '=', q.keyId);
    if (q.identityId !== undefined) query = query.where('identity_id', '=', q.identityId);
    const rows = await query.groupBy(['bucket_start_ms', 'code']).orderBy('bucket_start_ms').orderBy('code').execute();
    return rows.map((r) => ({ startMs: Number(r.bucket_start_ms), code: r.code, count: Number(r.total) }));
  }

  async topKeys(q: VerificationQuery, limit: number): Promise<readonly KeyTotal[]> {
    // Ranked inside the grouped subquery, so the join to `keys` touches only the `limit` winners.
    let ranked = this.db
      .selectFrom('verification_buckets')
      .select(['key_id', sql<number>`SUM(count)`.as('total'), sql<number>`SUM(CASE WHEN code = 'VALID' THEN count ELSE 0 END)`.as('valid')])
      .where('granularity', '=', q.granularity)
      .where('bucket_start_ms', '>=', q.fromMs)
      .where('bucket_start_ms', '<', q.toMs);
    if (q.appId !== undefined) ranked = ranked.where('app_id', '=', q.appId);
    if (q.identityId !== undefined) ranked = ranked.where('identity_id', '=', q.identityId);
    const rows = await this.db
      .selectFrom(ranked.groupBy('key_id').orderBy(sql`SUM(count)`, 'desc').orderBy('key_id').limit(limit).as('t'))
      .leftJoin('keys', 'keys.id', 't.key_id')
      .select(['t.key_id', 't.total', 't.valid', 'keys.name', 'keys.environment', 'keys.kind', 'keys.start'])
      .orderBy('t.total', 'desc')
      .orderBy('t.key_id')
      .execute();
    return rows.map((r) => ({ keyId: r.key_id, total: Number(r.total), valid: Number(r.valid), name: r.name ?? null, environment: r.environment ?? null, kind: r.kind ?? null, start: r.start ?? null }));
  }

  async pruneVerifications(granularity: Granularity, beforeMs: number): Promise<number> {
    const res = await this.db.deleteFrom('verification_buckets').where('granularity', '=', granularity).where('bucket_start_ms', '<', beforeMs).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
