import type { Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { ConsoleSession } from '../../console/model.js';
import type { ConsoleSessionStore } from '../../console/store.js';
import type { WriteOutcome } from '../types.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';

export interface ConsoleTables {
  console_sessions: { id_hash: string; root_key_id: string; key_hash: string; created_at_ms: number; expires_at_ms: number; revoked_at_ms: number | null };
}

/** Versions 900–999: the dashboard. */
export const CONSOLE_MIGRATIONS: readonly Migration[] = [
  {
    version: 900,
    name: 'dashboard sessions',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('root_key_id', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('expires_at_ms', ms, (c) => c.notNull())
        .addColumn('revoked_at_ms', ms)
        .execute();
      await db.schema.createIndex('console_sessions_expiry_idx').on('console_sessions').column('expires_at_ms').execute();
    },
  },
];

type Row = ConsoleTables['console_sessions'];
const fromRow = (r: Row): ConsoleSession => ({
  idHash: r.id_hash,
  rootKeyId: r.root_key_id,
  keyHash: r.key_hash,
  createdAtMs: Number(r.created_at_ms),
  expiresAtMs: Number(r.expires_at_ms),
  revokedAtMs: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
});

export class SqlConsoleSessionStore implements ConsoleSessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: ConsoleSession, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('console_sessions')
        .values({ id_hash: s.idHash, root_key_id: s.rootKeyId, key_hash: s.keyHash, created_at_ms: s.createdAtMs, expires_at_ms: s.expiresAtMs, revoked_at_ms: s.revokedAtMs })
        .execute();
      await appendAuditIn(trx, audit, s.createdAtMs);
    });
  }

  async get(idHash: string): Promise<ConsoleSession | undefined> {
    const r = await this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async revoke(idHash: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('console_sessions').set({ revoked_at_ms: nowMs }).where('id_hash', '=', idHash).where('revoked_at_ms', 'is', null).executeTakeFirst();
      return guardedWrite(trx, res, { table: 'console_sessions', id: idHash, idColumn: 'id_hash' }, audit, nowMs);
    });
  }

  async prune(beforeMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('expires_at_ms', '<', beforeMs), eb('revoked_at_ms', '<', beforeMs)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
