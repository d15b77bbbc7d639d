import type { Kysely } from 'kysely';
import type { SingleUseStore } from '../../state/single-use.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';

/** Single-use entries (state/single-use.ts) in the store every node shares: version 450. */
export interface SingleUseTables {
  single_use: { key: string; value: string; expires_at_ms: number };
}

export const SINGLE_USE_MIGRATIONS: readonly Migration[] = [
  {
    version: 450,
    name: 'single-use entries (attestation challenges and other one-time state)',
    async up(db, dialect) {
      await db.schema
        .createTable('single_use')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at_ms', bigint(dialect), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('single_use_expiry_idx').on('single_use').column('expires_at_ms').execute();
    },
  },
];

/**
 * SQLite and PostgreSQL. `take` is one `DELETE … RETURNING`: the row goes to exactly one of any
 * number of concurrent takes (on any node sharing the store), the others delete nothing. Expiry
 * is measured on the injected clock: an expired row is deleted by `take` like a live one but
 * answers `undefined`, and rows nobody takes are swept every `sweepIntervalMs`, `sweepBatch` at a
 * time, on `put` (so the table's size is bounded by the entries put within one ttl).
 */
export class SqlSingleUseStore implements SingleUseStore {
  private lastSweepMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: { readonly now: () => number; readonly sweepIntervalMs?: number; readonly sweepBatch?: number },
  ) {
    this.lastSweepMs = options.now();
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const now = this.options.now();
    if (now - this.lastSweepMs >= (this.options.sweepIntervalMs ?? 10_000)) {
      this.lastSweepMs = now;
      await this.sweep(now);
    }
    const expiresAtMs = Math.ceil(now + ttlMs);
    await this.db
      .insertInto('single_use')
      .values({ key, value, expires_at_ms: expiresAtMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, expires_at_ms: expiresAtMs }))
      .execute();
  }

  async take(key: string): Promise<string | undefined> {
    const row = await this.db.deleteFrom('single_use').where('key', '=', key).returning(['value', 'expires_at_ms']).executeTakeFirst();
    if (!row) return undefined;
    return Number(row.expires_at_ms) > this.options.now() ? row.value : undefined;
  }

  /** Deletes up to `sweepBatch` expired rows. */
  async sweep(nowMs: number): Promise<void> {
    const batch = this.options.sweepBatch ?? 10_000;
    const expired = this.db.selectFrom('single_use').select('key').where('expires_at_ms', '<=', nowMs).limit(batch);
    await this.db.deleteFrom('single_use').where('key', 'in', expired).execute();
  }
}
