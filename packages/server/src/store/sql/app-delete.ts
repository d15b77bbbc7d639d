import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { AppDeletion, AppDeletionOutcome } from '../types.js';
import { appendAuditIn } from './audited-write.js';
import type { Database } from './schema.js';

/** The environments whose tokens an app deletion revokes (every token names one). */
const ENVIRONMENTS = ['live', 'test'] as const;

/**
 * Deletes an app in ONE transaction with its audit record (Store.deleteApp): counts the app's live
 * credentials and, unless `force`, refuses while there are any; else revokes every key (the
 * change-log trigger on `keys` tells every process), session and device of the app, revokes all
 * its tokens (a `*` row per environment in `revoked_tokens`, tokens/revoked.ts), and marks the app
 * deleted. The app row stays (keys, sessions and the audit log point at it) but is gone from
 * every read. The guarded UPDATE of `apps` comes first, so of two concurrent deletions one
 * finds the app already deleted and changes nothing.
 */
export async function deleteAppIn(db: Kysely<Database>, d: AppDeletion, audit: (revoked: AppDeletionOutcome['revoked']) => AuditDraft): Promise<AppDeletionOutcome> {
  const none = { keys: [], sessions: 0, devices: 0 } as const;
  const refused = new Error('refused');
  let outcome: AppDeletionOutcome | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable('apps')
        .set({ deleted_at_ms: d.nowMs, updated_at_ms: d.nowMs, version: sql`version + 1` })
        .where('id', '=', d.appId)
        .where('deleted_at_ms', 'is', null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) {
        outcome = { outcome: 'not_found', live: { keys: 0, sessions: 0, devices: 0 }, revoked: none };
        return;
      }
      const liveKeys = (
        await trx
          .selectFrom('keys')
          .select('id')
          .where('app_id', '=', d.appId)
          .where('revoked_at_ms', 'is', null)
          .where((eb) => eb.or([eb('expires_at_ms', 'is', null), eb('expires_at_ms', '>', d.nowMs)]))
          .execute()
      ).map((r) => r.id);
      const liveSessions = await count(trx.selectFrom('sessions').select(sql<number>`count(*)`.as('n')).where('app_id', '=', d.appId).where('revoked_at_ms', 'is', null).where('absolute_expires_at_ms', '>', d.nowMs));
      const liveDevices = await count(trx.selectFrom('devices').select(sql<number>`count(*)`.as('n')).where('app_id', '=', d.appId).where('revoked_at_ms', 'is', null));
      const live = { keys: liveKeys.length, sessions: liveSessions, devices: liveDevices };
      if (!d.force && (live.keys > 0 || live.sessions > 0 || live.devices > 0)) {
        outcome = { outcome: 'has_credentials', live, revoked: none };
        throw refused; // roll the deleted mark back
      }
      // Every key not yet revoked, expired ones included: nothing of the app may verify again.
      const keys = (
        await trx
          .updateTable('keys')
          .set({ revoked_at_ms: d.nowMs, revoked_reason: d.reason, updated_at_ms: d.nowMs, version: sql`version + 1` })
          .where('app_id', '=', d.appId)
          .where('revoked_at_ms', 'is', null)
          .returning('id')
          .execute()
      ).map((r) => r.id);
      const sessions = await trx.updateTable('sessions').set({ revoked_at_ms: d.nowMs, revoked_reason: d.reason }).where('app_id', '=', d.appId).where('revoked_at_ms', 'is', null).executeTakeFirst();
      const devices = await trx.updateTable('devices').set({ revoked_at_ms: d.nowMs }).where('app_id', '=', d.appId).where('revoked_at_ms', 'is', null).executeTakeFirst();
      for (const environment of ENVIRONMENTS) {
        await trx
          .insertInto('revoked_tokens')
          .values({ jti: '*', app_id: d.appId, environment, reason: d.reason, revoked_at_ms: d.nowMs, expires_at_ms: d.tokensRevokedUntilMs })
          .onConflict((oc) => oc.columns(['jti', 'app_id', 'environment']).doUpdateSet({ revoked_at_ms: d.nowMs, expires_at_ms: d.tokensRevokedUntilMs }))
          .execute();
      }
      const revoked = { keys, sessions: Number(sessions.numUpdatedRows), devices: Number(devices.numUpdatedRows) };
      await appendAuditIn(trx, audit(revoked), d.nowMs);
      outcome = { outcome: 'ok', live, revoked };
    });
  } catch (err) {
    if (err !== refused) throw err;
  }
  return outcome!;
}

async function count(q: { executeTakeFirst(): Promise<{ n: number | string | bigint } | undefined> }): Promise<number> {
  return Number((await q.executeTakeFirst())?.n ?? 0);
}
