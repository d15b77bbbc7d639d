import type { CreditSpend } from '../keys/credits.js';
import type { App, AppSettings } from '../apps/model.js';
import type { AuditDraft, AuditRecord } from '../audit/model.js';
import type { Environment, KeyKind, KeyPatch, KeyRecord, KeySecret } from '../keys/model.js';

export interface PageRequest {
  readonly limit: number;
  /** Opaque cursor from a previous page's `next`. */
  readonly after?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items may follow. */
  readonly next?: string;
}

/** Outcome of a guarded write: the caller decides what a conflict means (usually: re-read and retry). */
export type WriteOutcome = 'ok' | 'not_found' | 'conflict';

export interface KeyFilter {
  readonly appId?: string | null;
  readonly environment?: Environment;
  readonly kind?: KeyKind;
  readonly subject?: string;
  readonly includeRevoked?: boolean;
}

export interface UsageDelta {
  readonly keyId: string;
  readonly count: number;
  readonly lastUsedAtMs: number;
}

/**
 * The one persistence interface. Every backend (SQLite now, PostgreSQL later) implements it and
 * passes the same conformance suite (packages/server/test/store/conformance.ts).
 *
 * Rules every implementation MUST follow:
 *  - Every method that takes an `AuditDraft` applies its change AND appends the audit record in
 *    one transaction. If the audit record cannot be written, the change MUST NOT be applied and
 *    the method MUST throw. (Vault's rule: no unaudited mutation.)
 *  - Guarded writes (`expectedVersion`) MUST compare-and-set in the database, never
 *    read-modify-write in application code, and bump `version` by exactly one.
 *  - Reads never return secrets: only hashes of key secrets are stored anywhere.
 *  - Times are milliseconds since the epoch (integers).
 *  - A method that throws has changed nothing.
 */
export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Applies pending migrations. Idempotent; safe to call on every start. */
  migrate(): Promise<void>;
  /** Cheap liveness query for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // ---- apps ----------------------------------------------------------------------------
  getApp(id: string): Promise<App | undefined>;
  listApps(page: PageRequest): Promise<Page<App>>;
  /** Atomic with its audit record. Throws if the id exists. */
  createApp(app: App, audit: AuditDraft): Promise<void>;
  /** Guarded on `expectedVersion`; atomic with its audit record. */
  updateApp(
    id: string,
    patch: { readonly name?: string; readonly settings?: AppSettings },
    expectedVersion: number,
    nowMs: number,
    audit: AuditDraft,
  ): Promise<WriteOutcome>;

  /**
   * Deletes an app (an app deleted before, or none, is `not_found`). In ONE transaction with the
   * audit record: refuses (`has_credentials`, nothing changed) while the app has live keys,
   * sessions or devices unless `force`; otherwise revokes every one of them and every token of
   * the app (until `tokensRevokedUntilMs`), and marks the app deleted, so `getApp` and `listApps`
   * no longer return it. Of concurrent deletions exactly one answers `ok`.
   */
  deleteApp(deletion: AppDeletion, audit: (revoked: AppDeletionOutcome['revoked']) => AuditDraft): Promise<AppDeletionOutcome>;

  // ---- keys ----------------------------------------------------------------------------
  getKey(id: string): Promise<KeyRecord | undefined>;
  listKeys(filter: KeyFilter, page: PageRequest): Promise<Page<KeyRecord>>;
  /**
   * The verification lookup: the secret row for a SHA-256 hash and its key. One indexed read.
   * Returns expired grace-period secrets too; deciding is the caller's job (keys/decide.ts).
   */
  findKeyByHash(hash: string): Promise<{ readonly key: KeyRecord; readonly secret: KeySecret } | undefined>;
  /** Inserts key and its first secret and the audit record in one transaction. */
  createKey(key: KeyRecord, secret: KeySecret, audit: AuditDraft): Promise<void>;
  /**
   * Reissue in one transaction: inserts `key` with its first secret and `audits.reissue`, and —
   * when `revoke` is given — revokes the old key guarded on its version and appends
   * `audits.revoke`. All of it commits or none does; a version miss rolls back the new key too.
   */
  reissueKey(
    key: KeyRecord,
    secret: KeySecret,
    revoke: { readonly keyId: string; readonly expectedVersion: number; readonly reason: string; readonly nowMs: number } | undefined,
    audits: { readonly reissue: AuditDraft; readonly revoke: AuditDraft },
  ): Promise<WriteOutcome>;
  /** Guarded on `expectedVersion`; atomic with its audit record. */
  updateKey(id: string, patch: KeyPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /**
   * `updateKey` for a root key whose power may drop (revocation, disabling, fewer permissions or
   * apps, an expiry): guarded and audited the same way, and additionally refused with
   * `last_full_root` (nothing changed, nothing audited) when afterwards no full-power root key
   * would remain. The count and the change MUST be atomic: two concurrent calls taking away the
   * last two full-power keys leave one of them standing.
   */
  updateKeyKeepingFullRoot(id: string, patch: KeyPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome | 'last_full_root'>;
  /**
   * Rotation in one transaction: caps every current secret of the key at `oldSecretsExpireAtMs`
   * (never extending one that already ends sooner), inserts `newSecret`, updates `start`, bumps
   * the version and appends the audit record. Guarded on `expectedVersion`.
   */
  rotateKey(
    input: { readonly keyId: string; readonly expectedVersion: number; readonly newSecret: KeySecret; readonly oldSecretsExpireAtMs: number; readonly nowMs: number },
    audit: AuditDraft,
  ): Promise<WriteOutcome>;
  /**
   * Keys whose record changed at or after `sinceMs` (every lifecycle write bumps `updatedAtMs`).
   * Lets every process sharing a database drop stale cache entries without a message bus.
   */
  keyChangesSince(sinceMs: number, limit: number): Promise<readonly { readonly id: string; readonly version: number; readonly updatedAtMs: number }[]>;
  /** Every secret row of a key, oldest first (sealed copies included for signing credentials). */
  listKeySecrets(keyId: string): Promise<readonly KeySecret[]>;
  /** Hashes of all secrets of a key (for cache invalidation). */
  listSecretHashes(keyId: string): Promise<readonly string[]>;
  /**
   * The sealed copies of signing-credential secrets (the only key secrets Keyward can read back),
   * every key's, in hash order after `afterHash`, at most `limit`: master-key rotation walks them.
   */
  listSealedKeySecrets(afterHash: string | undefined, limit: number): Promise<readonly SealedKeySecret[]>;
  /**
   * Replaces one sealed copy with the same secret sealed under another master key, guarded on the
   * value it replaces (`conflict` when it changed meanwhile, `not_found` when the secret is gone);
   * atomic with its audit record.
   */
  resealKeySecret(hash: string, from: string, to: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /**
   * Spends `cost` credits of a key (refilling first when a new period began) in one atomic step:
   * concurrent spends never take a balance below zero or spend one credit twice. `cost` 0 reads the
   * balance. Keys without credits answer `unmetered`. Not audited (telemetry, like usage).
   */
  spendKeyCredits(keyId: string, cost: number, nowMs: number): Promise<CreditSpend>;
  /**
   * Adds usage counts. Additive and commutative (`count = count + ?`,
   * `lastUsedAtMs = max(…)`), so batches from many nodes may land in any order. Not audited:
   * usage is telemetry, not a mutation of authority. Unknown key ids are ignored.
   */
  addUsage(deltas: readonly UsageDelta[]): Promise<void>;

  // ---- audit ---------------------------------------------------------------------------
  /** Records in sequence order, starting after `afterSeq`. */
  listAudit(query: { readonly afterSeq?: number; readonly limit: number; readonly target?: string }): Promise<readonly AuditRecord[]>;
  /** The chain head as last committed: lets `audit verify` detect truncation of the tail. */
  auditHead(): Promise<{ readonly seq: number; readonly hash: string }>;
  /** Appends an audit record that accompanies no other change (e.g. a key seen in a URL). */
  appendAudit(audit: AuditDraft, nowMs: number): Promise<AuditRecord>;
}

/** A signing credential's secret as master-key rotation sees it: which row, and its sealed copy. */
export interface SealedKeySecret {
  readonly hash: string;
  readonly keyId: string;
  readonly sealedSecret: string;
}

export interface AppDeletion {
  readonly appId: string;
  /** Revoke the app's live credentials rather than refuse. */
  readonly force: boolean;
  /** Recorded as the revocation reason of every key and session. */
  readonly reason: string;
  readonly nowMs: number;
  /** Until when the app's tokens stay refused (ms): past it, no token it had can still be valid. */
  readonly tokensRevokedUntilMs: number;
}

export interface AppDeletionOutcome {
  readonly outcome: 'ok' | 'not_found' | 'has_credentials';
  /** Live credentials the app had (keys not revoked or expired, sessions, devices). */
  readonly live: { readonly keys: number; readonly sessions: number; readonly devices: number };
  /** What the deletion revoked (empty unless `ok`). */
  readonly revoked: { readonly keys: readonly string[]; readonly sessions: number; readonly devices: number };
}
