import type { WebhookEvent } from '../webhooks/model.js';

/** What a caller supplies; the store adds sequence, time, and chain hashes atomically. */
export interface AuditDraft {
  /** Who: a key id (`key_…`), `cli`, or `system`. */
  readonly actor: string;
  /** What, as `noun.verb`: `key.create`, `key.revoke`, `app.update` … */
  readonly action: string;
  /** The id acted upon. */
  readonly target: string;
  readonly requestId: string;
  /** Non-secret details (never a key, secret or password). */
  readonly data?: Readonly<Record<string, unknown>>;
  /**
   * Webhook events the change emits. The store queues their deliveries in the same transaction
   * as this record (store/sql/outbox.ts): the change, its audit record and its notifications
   * commit together or not at all. Not part of the audit record or its hash.
   */
  readonly events?: readonly WebhookEvent[];
}

export interface AuditRecord extends AuditDraft {
  readonly seq: number;
  readonly id: string;
  readonly atMs: number;
  readonly data: Readonly<Record<string, unknown>>;
  /** Hash of the previous record (64 zeros for the first). */
  readonly prevHash: string;
  /** SHA-256 over prevHash and the canonical JSON of this record's fields. */
  readonly hash: string;
}
