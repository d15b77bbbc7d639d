import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { verifyAuditChain, type AuditVerification } from '../audit/service.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { Database } from '../store/sql/schema.js';
import { SqlStore } from '../store/sql/sql-store.js';

/**
 * Moving a single-machine (SQLite) deployment to PostgreSQL: every row of every durable table,
 * as it is. Sealed secrets stay sealed (the nodes need the same master keys), hashes stay hashes,
 * and audit records keep their sequence numbers and hashes, so the chain verifies on the target.
 *
 * The whole write is one PostgreSQL transaction that checks the counts and the audit chain before
 * it commits: a failure anywhere (a lost connection, a mismatch) leaves the target as empty as it
 * was, never half-written. The copied tables are then vacuumed and analyzed, as after any bulk
 * import.
 */

/** Tables not copied: the target records its own migrations, and the change log only feeds caches, which start empty. */
const NOT_COPIED = new Set(['kw_migrations', 'change_log']);
/** Rows migrations put in a fresh store: replaced by the source's, not counted as "not empty". */
const SEEDED = new Set(['audit_head']);
/** PostgreSQL takes at most 65535 parameters per statement. */
const MAX_PARAMS = 60_000;

export interface TableCopy {
  readonly table: string;
  readonly rows: number;
}

export interface StoreCopyResult {
  readonly tables: readonly TableCopy[];
  readonly rows: number;
  readonly audit: AuditVerification;
  /**
   * Whether the `VACUUM (ANALYZE)` run after the commit succeeded. False leaves the copy as
   * committed, complete and verified; the operator then runs it (docs/operations.md).
   */
  readonly analyzed: boolean;
}

export interface StoreCopyOptions {
  /** Rows per INSERT (fewer when a table has many columns). */
  readonly batchRows?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Copies the SQLite file `sourceFile` (a migrated store, read in one snapshot) into `target` (a
 * migrated, empty PostgreSQL store). Throws STORE_TARGET_NOT_EMPTY before writing anything into a
 * store that holds data, and STORE_COPY_INCOMPLETE (after rolling back) when the copy does not
 * match its source.
 */
export async function copySqliteToPostgres(sourceFile: string, target: SqlStore, options: StoreCopyOptions = {}): Promise<StoreCopyResult> {
  const source = new BetterSqlite3(sourceFile, { readonly: true, fileMustExist: true });
  try {
    // One read transaction: a server still writing to the file cannot make the copy inconsistent.
    source.exec('BEGIN');
    const tables = copyOrder(source);
    const counts = new Map(tables.map((t) => [t, Number((source.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n)]));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    await refuseNonEmpty(target.db, tables);
    let done = 0;
    options.onProgress?.(0, total);
    const copy = await target.db.transaction().execute(async (trx) => {
      for (const t of tables) if (SEEDED.has(t)) await sql`DELETE FROM ${sql.table(t)}`.execute(trx);
      const copied: TableCopy[] = [];
      for (const table of tables) {
        const stmt = source.prepare(`SELECT * FROM "${table}"`);
        const columns = stmt.columns().map((c) => c.name);
        const perBatch = Math.max(1, Math.min(options.batchRows ?? 1000, Math.floor(MAX_PARAMS / Math.max(1, columns.length))));
        let batch: unknown[][] = [];
        const flush = async () => {
          if (!batch.length) return;
          await insertRows(trx, table, columns, batch);
          done += batch.length;
          batch = [];
          options.onProgress?.(done, total);
        };
        for (const row of stmt.raw().iterate() as IterableIterator<unknown[]>) {
          batch.push(row);
          if (batch.length >= perBatch) await flush();
        }
        await flush();
        const written = Number((await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(trx)).rows[0]!.n);
        if (written !== counts.get(table)) throw new KeywardError('STORE_COPY_INCOMPLETE', `${table}: ${counts.get(table)} rows in the source, ${written} in the target; nothing was written`);
        copied.push({ table, rows: written });
      }
      const audit = await verifyAuditChain(new SqlStore(trx, 'postgres', []));
      if (!audit.ok) throw new KeywardError('STORE_COPY_INCOMPLETE', `the copied audit chain does not verify (${audit.problem} at record ${audit.brokenAtSeq}); nothing was written`);
      return { tables: copied, rows: done, audit };
    });
    // A bulk-loaded table has no statistics, visibility map or hint bits: until a vacuum, the
    // planner guesses and the first read of every page (a node's first cache miss on each key)
    // sets its hint bits and dirties it. Outside the copy's transaction (VACUUM refuses one), so
    // a failure here cannot undo a copy that committed: it is reported instead.
    const analyzed = await sql`VACUUM (ANALYZE) ${sql.join(tables.map((t) => sql.table(t)))}`.execute(target.db).then(() => true, () => false);
    return { ...copy, analyzed };
  } finally {
    source.close();
  }
}

/**
 * The source's tables in an order that satisfies every foreign key (parents first), from
 * SQLite's own foreign-key list, so a table a later feature adds is copied without naming it here.
 */
export function copyOrder(source: BetterSqlite3.Database): string[] {
  const names = (source.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name).filter((n) => !NOT_COPIED.has(n));
  const parents = new Map(names.map((n) => [n, (source.prepare(`SELECT "table" AS parent FROM pragma_foreign_key_list(?)`).all(n) as { parent: string }[]).map((r) => r.parent).filter((p) => p !== n)]));
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (n: string) => {
    if (ordered.includes(n) || visiting.has(n)) return;
    visiting.add(n);
    for (const p of parents.get(n) ?? []) if (names.includes(p)) visit(p);
    ordered.push(n);
  };
  for (const n of names) visit(n);
  return ordered;
}

/** Any row in a table the copy writes (besides the rows a fresh migration seeds) makes the target "not empty". */
async function refuseNonEmpty(db: Kysely<Database>, tables: readonly string[]): Promise<void> {
  const existing = new Set((await sql<{ t: string }>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema()`.execute(db)).rows.map((r) => r.t));
  for (const t of tables) {
    if (!existing.has(t)) throw new KeywardError('STORE_COPY_INCOMPLETE', `the target has no table ${t}: the source store is newer than this keyward; copy with the version that wrote it`);
    if (SEEDED.has(t)) continue;
    const any = await sql`SELECT 1 FROM ${sql.table(t)} LIMIT 1`.execute(db);
    if (any.rows.length) throw new KeywardError('STORE_TARGET_NOT_EMPTY', `the target store already holds data (table ${t}); copy only into a new, empty database or schema`);
  }
  const head = await db.selectFrom('audit_head').select('seq').executeTakeFirst();
  if (head && Number(head.seq) !== 0) throw new KeywardError('STORE_TARGET_NOT_EMPTY', 'the target store already has audit records; copy only into a new, empty database or schema');
}

async function insertRows(db: Kysely<Database>, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  const values = sql.join(rows.map((r) => sql`(${sql.join(r)})`));
  await sql`INSERT INTO ${sql.table(table)} (${cols}) VALUES ${values}`.execute(db);
}
