import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { KeyPatch } from '../../keys/model.js';
import type { WriteOutcome } from '../types.js';
import type { Database } from './schema.js';
import { keyPatchToSet } from './rows.js';
import { appendAuditIn, missOutcome } from './audited-write.js';

/** The stored form of full power (rootkeys/permissions.ts normalises `*` to exactly this). */
const FULL = '["*"]';

/** Serialises every change that could take away the last full-power root key (PostgreSQL). */
const FULL_ROOT_LOCK = 7346002;

/**
 * `Store.updateKeyKeepingFullRoot`: the guarded key update, plus the rule that at least one
 * full-power root key (every permission, every app, enabled, unrevoked, no expiry) remains. The
 * change is applied, the remaining full-power keys are counted in the same transaction, and none
 * left rolls it back (`last_full_root`, nothing audited). Two operators revoking the last two
 * full keys at once cannot both win: SQLite has one writer, and on PostgreSQL an advisory lock
 * makes the second transaction count after the first committed.
 */
export async function updateKeyKeepingFullRoot(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  change: { readonly id: string; readonly patch: KeyPatch; readonly expectedVersion: number; readonly nowMs: number; readonly audit: AuditDraft },
): Promise<WriteOutcome | 'last_full_root'> {
  const refused = new Error('last full-power root key');
  let outcome: WriteOutcome | 'last_full_root' = 'ok';
  try {
    await db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${FULL_ROOT_LOCK})`.execute(trx);
      const res = await trx
        .updateTable('keys')
        .set({ ...keyPatchToSet(change.patch), updated_at_ms: change.nowMs, version: sql`version + 1` })
        .where('id', '=', change.id)
        .where('version', '=', change.expectedVersion)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) {
        outcome = await missOutcome(trx, 'keys', change.id);
        return;
      }
      const left = await trx
        .selectFrom('keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', 'root')
        .where('permissions', '=', FULL)
        .where('app_ids', 'is', null)
        .where('enabled', '=', 1)
        .where('revoked_at_ms', 'is', null)
        .where('expires_at_ms', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) {
        outcome = 'last_full_root';
        throw refused;
      }
      await appendAuditIn(trx, change.audit, change.nowMs);
    });
  } catch (err) {
    if (err !== refused) throw err;
  }
  return outcome;
}
