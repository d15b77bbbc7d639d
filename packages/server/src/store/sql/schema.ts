import type { Generated } from 'kysely';
import type { AnalyticsTables } from './analytics-store.js';
import type { AnomalyTables } from './anomaly-store.js';
import type { ConsoleTables } from './console-store.js';
import type { AttestationTables } from './attestation-store.js';
import type { DeviceTables } from './device-store.js';
import type { SharedTables } from './migrations-shared.js';
import type { TokenTables } from './migrations-tokens.js';
import type { SecretTables } from './secret-store.js';
import type { SessionTables } from './session-store.js';
import type { SingleUseTables } from './single-use-store.js';
import type { WebhookTables } from './webhook-store.js';
import type { LeakTables } from './leak-store.js';

/**
 * Table shapes as Kysely sees them. Portable across SQLite and PostgreSQL: times are integer
 * milliseconds (BIGINT on PostgreSQL), booleans are 0/1 integers, JSON is TEXT.
 */
/** The core tables (apps, keys, audit); each feature declares its own tables in its own module. */
export interface CoreTables {
  kw_migrations: { version: number; name: string; applied_at_ms: number };
  apps: {
    id: string;
    name: string;
    settings: string;
    created_at_ms: number;
    updated_at_ms: number;
    version: number;
    /** From version 8: set when the app was deleted (the row stays for its keys and audit records). */
    deleted_at_ms: number | null;
  };
  keys: {
    id: string;
    app_id: string | null;
    environment: string | null;
    kind: string;
    name: string;
    scopes: string;
    subject: string | null;
    meta: string;
    ip_allow_list: string;
    enabled: number;
    expires_at_ms: number | null;
    revoked_at_ms: number | null;
    revoked_reason: string | null;
    exposed_at_ms: number | null;
    start: string;
    reissued_from_id: string | null;
    created_at_ms: number;
    updated_at_ms: number;
    version: number;
    usage_count: number;
    last_used_at_ms: number | null;
    client_cert_sha256?: string | null;
    ratelimit?: string | null;
    credits?: string | null;
    credits_remaining?: number | null;
    credits_period_start_ms?: number | null;
    permissions?: string | null;
    app_ids?: string | null;
    identity_id?: string | null;
  };
  identities: {
    id: string;
    app_id: string;
    external_id: string;
    meta: string;
    ratelimit: string | null;
    credits: string | null;
    credits_remaining: number | null;
    credits_period_start_ms: number | null;
    created_at_ms: number;
    updated_at_ms: number;
    version: number;
  };
  key_secrets: {
    hash: string;
    key_id: string;
    start: string;
    created_at_ms: number;
    expires_at_ms: number | null;
    sealed_secret?: string | null;
  };
  audit_log: {
    seq: number;
    id: string;
    at_ms: number;
    actor: string;
    action: string;
    target: string;
    request_id: string;
    data: string;
    prev_hash: string;
    hash: string;
  };
  /** One row (id = 1): the chain head. Updating it inside each audited transaction serialises appends across nodes. */
  audit_head: { id: number; seq: number; hash: string; prev_hash: string | null };
  extra_placeholder_never_used?: { id: Generated<number> };
}

/**
 * Every table of the store, as one type: each feature's tables are declared next to its
 * migrations and store and merged here, so every module queries the same `Kysely<Database>`
 * (no casts between per-feature views of one connection).
 */
export interface Database extends CoreTables, TokenTables, SessionTables, DeviceTables, SecretTables, SharedTables, SingleUseTables, AnalyticsTables, WebhookTables, LeakTables, AttestationTables, AnomalyTables, ConsoleTables {}
