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
