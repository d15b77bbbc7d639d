import type { AuditDraft } from '../audit/model.js';
import type { Environment } from '../keys/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { ServerSecret } from './model.js';

/**
 * Persistence for server-held secrets. Same rules as the main Store: every mutation is applied
 * together with its audit record in one transaction or not at all; guarded writes are SQL
 * compare-and-set on `version`; values are only ever stored sealed.
 */
export interface SecretStore {
  getSecret(id: string): Promise<ServerSecret | undefined>;
  /** (appId, environment, name) is unique. */
  findSecretByName(appId: string, environment: Environment, name: string): Promise<ServerSecret | undefined>;
  listSecrets(appId: string, environment?: Environment): Promise<readonly ServerSecret[]>;
  /** Every secret, in id order, for master-key re-sealing. */
  listAllSecrets(afterId: string | undefined, limit: number): Promise<readonly ServerSecret[]>;
  /** Throws if (appId, environment, name) exists. Atomic with its audit record. */
  createSecret(secret: ServerSecret, audit: AuditDraft): Promise<void>;
  /** Replaces the sealed value (and hint/description); guarded on version; atomic with audit. */
  updateSecret(
    id: string,
    patch: { readonly sealedValue?: string; readonly hint?: string; readonly description?: string },
    expectedVersion: number,
    nowMs: number,
    audit: AuditDraft | undefined,
  ): Promise<WriteOutcome>;
  /** Atomic with its audit record. */
  deleteSecret(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
}
