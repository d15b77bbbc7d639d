import type { AuditDraft } from '../audit/model.js';
import type { Environment } from '../keys/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { ServerSecret } from './model.js';

/**
 * Persistence for server-held secrets. Every backend passes test/store/secret-store-conformance.ts.
 *
 * Rules every implementation MUST follow (the main Store's, store/types.ts, plus these):
 *  - Every mutation applies its change AND appends its audit record in one transaction; if the
 *    record cannot be written the change MUST NOT be applied and the method MUST throw. A method
 *    that throws has changed nothing. There is no unaudited write.
 *  - Guarded writes MUST compare-and-set on `version` in the database and bump it by exactly one:
 *    of concurrent updates on one version exactly one lands. Master-key re-sealing relies on this
 *    so a re-seal never overwrites a value set meanwhile.
 *  - (appId, environment, name) is unique, enforced by the store itself: of concurrent creations
 *    of one name exactly one succeeds.
 *  - Values are only ever stored sealed (lib/sealed.ts); the store never sees a plaintext.
 *  - Times are integer ms.
 */
export interface SecretStore {
  getSecret(id: string): Promise<ServerSecret | undefined>;
  /** (appId, environment, name) is unique. */
  findSecretByName(appId: string, environment: Environment, name: string): Promise<ServerSecret | undefined>;
  /** One app's secrets by name; every environment unless one is given. */
  listSecrets(appId: string, environment?: Environment): Promise<readonly ServerSecret[]>;
  /** Every secret of every app, in id order, after `afterId`, for master-key re-sealing. */
  listAllSecrets(afterId: string | undefined, limit: number): Promise<readonly ServerSecret[]>;
  /** Throws if the id or (appId, environment, name) exists. Atomic with its audit record. */
  createSecret(secret: ServerSecret, audit: AuditDraft): Promise<void>;
  /**
   * Replaces what the patch names (sealed value, hint, description), sets `updatedAtMs` and bumps
   * `version`, guarded on `expectedVersion` ('conflict' when stale, 'not_found' when unknown).
   * Atomic with its audit record, written only on 'ok'.
   */
  updateSecret(
    id: string,
    patch: { readonly sealedValue?: string; readonly hint?: string; readonly description?: string },
    expectedVersion: number,
    nowMs: number,
    audit: AuditDraft,
  ): Promise<WriteOutcome>;
  /** 'ok' once, then 'not_found'. Atomic with its audit record. */
  deleteSecret(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
}
