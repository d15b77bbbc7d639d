import type { AuditDraft } from '../audit/model.js';
import type { Page, PageRequest, WriteOutcome } from '../store/types.js';
import type { Identity, IdentityPatch } from './model.js';

/**
 * Where identities live. One SQL implementation (store/sql/identity-store.ts) serves SQLite and
 * PostgreSQL, because the identities table sits on the core store's connection (the key lookup
 * joins it); the service depends on this interface, and test/store/identity-store-conformance.ts
 * holds every backend to it.
 *
 * Rules every implementation MUST follow (the main Store's, store/types.ts):
 *  - Every mutation applies its change AND appends its audit record in one transaction; a method
 *    that throws has changed nothing.
 *  - An externalId is unique within its app, enforced by the database: of concurrent creates or
 *    renames to one value exactly one succeeds, the others answer `exists` with nothing written.
 *  - Updates are guarded on the expected version (`conflict` when it moved).
 *  - A change to an identity bumps the version of each of its keys in the same transaction, so
 *    every process's key cache drops them through the change feed.
 *  - Times are integer ms.
 */
export interface IdentityStore {
  /** `exists`: the app already has an identity with this externalId (nothing written). */
  create(identity: Identity, audit: AuditDraft): Promise<'ok' | 'exists'>;
  get(id: string): Promise<Identity | undefined>;
  /** By id, paged; `externalId` narrows to that one identity. */
  list(appId: string, page: PageRequest, externalId?: string): Promise<Page<Identity>>;
  /** Ids of the keys attached to an identity (for cache invalidation after a change). */
  keyIds(id: string): Promise<readonly string[]>;
  /** Guarded on `expectedVersion`; `exists` when a new externalId is taken in the app. */
  update(id: string, patch: IdentityPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome | 'exists'>;
  /**
   * Revoked keys are always detached; live keys with `detachKeys`, else `has_keys` and nothing
   * changes. `detached` lists the live keys that were detached.
   */
  delete(id: string, detachKeys: boolean, nowMs: number, audit: (detached: readonly string[]) => AuditDraft): Promise<{ outcome: 'ok' | 'not_found' | 'has_keys'; detached: readonly string[] }>;
}
