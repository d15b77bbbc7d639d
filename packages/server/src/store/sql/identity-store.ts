import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { Identity, IdentityPatch } from '../../identities/model.js';
import type { IdentityStore } from '../../identities/store.js';
import type { Page, PageRequest, WriteOutcome } from '../types.js';
import { identityFromRow } from './rows.js';
import type { Database } from './schema.js';
import { appendAuditIn, missOutcome } from './audited-write.js';
import { isUniqueViolation } from '../unavailable.js';

/**
 * Identities on the core store's connection (the table is a core migration, version 7, because
 * the verification lookup joins it). Every write is atomic with its audit record. A change to an
 * identity also bumps the version of each of its keys in the same transaction: the identity is
 * part of what those keys' verifications decide on, so every process's key cache (and SQLite's
 * change log) must drop them, exactly as for a change of the key itself.
 */
export class SqlIdentityStore implements IdentityStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** `exists`: the app already has an identity with this externalId (nothing written). */
  async create(identity: Identity, audit: AuditDraft): Promise<'ok' | 'exists'> {
    const rollback = new Error('exists');
    try {
      await this.db.transaction().execute(async (trx) => {
        const res = await trx
          .insertInto('identities')
          .values({
            id: identity.id,
            app_id: identity.appId,
            external_id: identity.externalId,
            meta: JSON.stringify(identity.meta),
            ratelimit: identity.ratelimit ? JSON.stringify(identity.ratelimit) : null,
            credits: identity.credits ? JSON.stringify(identity.credits) : null,
            credits_remaining: identity.credits ? identity.credits.amount : null,
            credits_period_start_ms: null,
            created_at_ms: identity.createdAtMs,
            updated_at_ms: identity.updatedAtMs,
            version: identity.version,
          })
          .onConflict((oc) => oc.columns(['app_id', 'external_id']).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0) !== 1) throw rollback;
        await appendAuditIn(trx, audit, identity.createdAtMs);
      });
    } catch (err) {
      if (err === rollback) return 'exists';
      throw err;
    }
    return 'ok';
  }

  async get(id: string): Promise<Identity | undefined> {
    const row = await this.db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? identityFromRow(row) : undefined;
  }

  /** An app's identities in id order, optionally only the one with `externalId`. */
  async list(appId: string, page: PageRequest, externalId?: string): Promise<Page<Identity>> {
    let q = this.db.selectFrom('identities').selectAll().where('app_id', '=', appId).orderBy('id').limit(page.limit + 1);
    if (externalId !== undefined) q = q.where('external_id', '=', externalId);
    if (page.after) q = q.where('id', '>', page.after);
    const rows = (await q.execute()).map(identityFromRow);
    return rows.length > page.limit ? { items: rows.slice(0, page.limit), next: rows[page.limit - 1]!.id } : { items: rows };
  }

  /** Ids of the keys attached to an identity (for cache invalidation after a change). */
  async keyIds(id: string): Promise<readonly string[]> {
    return (await this.db.selectFrom('keys').select('id').where('identity_id', '=', id).execute()).map((r) => r.id);
  }

  /**
   * Guarded on `expectedVersion`; `exists` when the new externalId is taken in the app. The check
   * below answers the common case; a concurrent rename to the same value that commits between the
   * check and the UPDATE is refused by the unique index (the UPDATE waits for the other
   * transaction, then fails), and that refusal is the same `exists` with nothing written.
   */
  async update(id: string, patch: IdentityPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome | 'exists'> {
    try {
      return await this.updateOnce(id, patch, expectedVersion, nowMs, audit);
    } catch (err) {
      if (patch.externalId !== undefined && isUniqueViolation(err)) return 'exists';
      throw err;
    }
  }

  private async updateOnce(id: string, patch: IdentityPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome | 'exists'> {
    const set: Partial<Database['identities']> = {};
    if (patch.externalId !== undefined) set.external_id = patch.externalId;
    if (patch.meta !== undefined) set.meta = JSON.stringify(patch.meta);
    if (patch.ratelimit !== undefined) set.ratelimit = patch.ratelimit ? JSON.stringify(patch.ratelimit) : null;
    if (patch.credits !== undefined) {
      set.credits = patch.credits ? JSON.stringify(patch.credits) : null;
      set.credits_remaining = patch.credits ? patch.credits.amount : null;
      set.credits_period_start_ms = null;
    }
    return this.db.transaction().execute(async (trx) => {
      if (patch.externalId !== undefined) {
        const current = await trx.selectFrom('identities').select('app_id').where('id', '=', id).executeTakeFirst();
        if (current) {
          const taken = await trx.selectFrom('identities').select('id').where('app_id', '=', current.app_id).where('external_id', '=', patch.externalId).where('id', '<>', id).executeTakeFirst();
          if (taken) return 'exists';
        }
      }
      const res = await trx
        .updateTable('identities')
        .set({ ...set, updated_at_ms: nowMs, version: sql`version + 1` })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return missOutcome(trx, 'identities', id);
      await trx.updateTable('keys').set({ version: sql`version + 1`, updated_at_ms: nowMs }).where('identity_id', '=', id).execute();
      await appendAuditIn(trx, audit, nowMs);
      return 'ok';
    });
  }

  /**
   * Deletes an identity. Its revoked keys are always detached. Live keys: with `detachKeys` they
   * are detached too (they keep working, with their own limits only); without it the delete is
   * refused (`has_keys`, nothing changed). `detached` lists the live keys that were detached.
   */
  async delete(id: string, detachKeys: boolean, nowMs: number, audit: (detached: readonly string[]) => AuditDraft): Promise<{ outcome: 'ok' | 'not_found' | 'has_keys'; detached: readonly string[] }> {
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('identities').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) return { outcome: 'not_found' as const, detached: [] };
      const live = (await trx.selectFrom('keys').select('id').where('identity_id', '=', id).where('revoked_at_ms', 'is', null).execute()).map((r) => r.id);
      if (live.length > 0 && !detachKeys) return { outcome: 'has_keys' as const, detached: [] };
      await trx.updateTable('keys').set({ identity_id: null, version: sql`version + 1`, updated_at_ms: nowMs }).where('identity_id', '=', id).execute();
      await trx.deleteFrom('identities').where('id', '=', id).execute();
      await appendAuditIn(trx, audit(live), nowMs);
      return { outcome: 'ok' as const, detached: live };
    });
  }
}
