import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { verifyAuditChain, type AuditVerification } from '../audit/service.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { Database } from '../store/sql/schema.js';
import { SqlStore } from '../store/sql/sql-store.js';

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly pages: number;
  readonly audit: AuditVerification;
}

/**
 * An online backup of the SQLite store while servers keep writing to it, through SQLite's backup
 * API (better-sqlite3's `backup`). The copy is one consistent snapshot: the pages are copied in a
 * single step, which holds a read transaction, so writers (WAL mode) are never blocked and the
 * backup never restarts because of them.
 *
 * The result is written next to `outFile` under a temporary name, switched out of WAL mode (one
 * self-contained file), checked (integrity, audit chain) and only then renamed into place: a
 * failed or interrupted backup never leaves a file that looks like a good one.
 */
export async function backupSqlite(dataDir: string, outFile: string, options: { readonly onProgress?: (done: number, total: number) => void } = {}): Promise<BackupResult> {
  const sourceFile = path.join(dataDir, 'keyward.db');
  if (!existsSync(sourceFile)) throw new KeywardError('STORE_NOT_FOUND', `no Keyward store in ${dataDir}: check --data / KEYWARD_DATA`);
  if (existsSync(outFile)) throw new KeywardError('VALIDATION_FAILED', `--out ${outFile} exists: give a new file name (a backup never overwrites)`);
  const partial = path.join(path.dirname(path.resolve(outFile)), `.${path.basename(outFile)}.${randomBytes(4).toString('hex')}.partial`);
  const source = new BetterSqlite3(sourceFile, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const progress = await source.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        options.onProgress?.(totalPages - remainingPages, totalPages);
        return 0x7fffffff;
      },
    });
    options.onProgress?.(progress.totalPages, progress.totalPages);
    const audit = await checkBackup(partial);
    if (!audit.ok) throw new KeywardError('STORE_COPY_INCOMPLETE', `the backup's audit chain does not verify (${audit.problem} at record ${audit.brokenAtSeq}); the store itself may be damaged: run \`keyward audit verify\``);
    renameSync(partial, outFile);
    return { file: outFile, bytes: statSync(outFile).size, pages: progress.totalPages, audit };
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    source.close();
  }
}

/** Opens a backup file as a store would: integrity check, then the audit chain end to end. */
export async function checkBackup(file: string): Promise<AuditVerification> {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  db.pragma('journal_mode = DELETE');
  const integrity = String(db.pragma('integrity_check', { simple: true }));
  if (integrity !== 'ok') {
    db.close();
    throw new KeywardError('STORE_COPY_INCOMPLETE', `the backup fails integrity_check: ${integrity}`);
  }
  const store = new SqlStore(new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) }), 'sqlite', []);
  try {
    return await verifyAuditChain(store);
  } finally {
    await store.close();
  }
}
