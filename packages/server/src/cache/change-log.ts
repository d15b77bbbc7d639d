import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/sql/schema.js';
import type { ChangeSource } from './change-watcher.js';
import type { Invalidation } from './invalidation.js';

/**
 * Reads the SQLite change log (store/sql/migrations-shared.ts: rows written by triggers in the
 * same transaction as each revocation, disable, rotation or signing-key change) by sequence
 * number: no clock comparison between writers, nothing missed, one primary-key range scan.
 *
 * Bounds: at most `batch` rows per read (a larger burst is read over the next polls); rows older
 * than `retainMs` are deleted by whichever process polls (every `pruneEveryMs`).
 */
export class ChangeLogSource implements ChangeSource {
  private cursor: number | undefined;
  private lastPruneMs = 0;
  private readonly db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly options: { readonly batch?: number; readonly retainMs?: number; readonly pruneEveryMs?: number },
  ) {
    this.db = db;
  }

  /** Starts at the log's current end: changes before start-up are already reflected in empty caches. */
  async init(): Promise<void> {
    const r = await this.db.selectFrom('change_log').select(sql<number | null>`max(seq)`.as('m')).executeTakeFirst();
    this.cursor = Number(r?.m ?? 0);
  }

  async read(): Promise<readonly Invalidation[]> {
    if (this.cursor === undefined) await this.init();
    const rows = await this.db
      .selectFrom('change_log')
      .select(['seq', 'kind', 'entity_id'])
      .where('seq', '>', this.cursor!)
      .orderBy('seq')
      .limit(this.options.batch ?? 10_000)
      .execute();
    const out: Invalidation[] = [];
    let signingKeys = false;
    for (const r of rows) {
      this.cursor = Number(r.seq);
      const m = changeToInvalidation(r.kind, r.entity_id);
      if (m.type === 'signing_keys') signingKeys = true; // one refresh for a burst of signing-key rows
      else out.push(m);
    }
    if (signingKeys) out.push({ type: 'signing_keys' });
    await this.prune();
    return out;
  }

  private async prune(): Promise<void> {
    // Wall time, like the triggers that stamp `at_ms` (a test's frozen clock must not prune unread rows).
    const now = Date.now();
    if (now - this.lastPruneMs < (this.options.pruneEveryMs ?? 60_000)) return;
    this.lastPruneMs = now;
    await this.db.deleteFrom('change_log').where('at_ms', '<', now - (this.options.retainMs ?? 3_600_000)).execute();
  }
}

/** One change-log row (or NOTIFY payload) as the message every cache acts on. */
export function changeToInvalidation(kind: string, entityId: string): Invalidation {
  if (kind === 'key') return { type: 'key', keyId: entityId };
  if (kind === 'key_revoked') return { type: 'key', keyId: entityId, revoked: true };
  if (kind === 'device') return { type: 'device', deviceId: entityId };
  if (kind === 'session') return { type: 'session', sessionId: entityId };
  if (kind === 'instance') return { type: 'instance', instanceId: entityId };
  if (kind === 'signing_key') return { type: 'signing_keys' };
  if (kind === 'token') return { type: 'token', jti: entityId };
  if (kind === 'app') return { type: 'app', appId: entityId };
  return { type: 'all' }; // an unknown kind from a newer writer: drop everything, fail safe
}
