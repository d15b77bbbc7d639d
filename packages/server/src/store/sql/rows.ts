import { DEFAULT_APP_SETTINGS, type App } from '../../apps/model.js';
import type { AuditRecord } from '../../audit/model.js';
import type { Environment, KeyKind, KeyPatch, KeyRecord, KeySecret } from '../../keys/model.js';
import type { Database } from './schema.js';
import type { Identity, KeyIdentity } from '../../identities/model.js';

/** Row ↔ domain mapping. Numbers are coerced because PostgreSQL returns BIGINT as strings. */
export const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function appFromRow(r: Database['apps']): App {
  return {
    id: r.id,
    name: r.name,
    settings: { ...DEFAULT_APP_SETTINGS, ...JSON.parse(r.settings) },
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    version: Number(r.version),
  };
}

export function appToRow(a: App): Database['apps'] {
  return {
    id: a.id,
    name: a.name,
    settings: JSON.stringify(a.settings),
    created_at_ms: a.createdAtMs,
    updated_at_ms: a.updatedAtMs,
    version: a.version,
    deleted_at_ms: null,
  };
}

export function keyFromRow(r: Database['keys']): KeyRecord {
  return {
    id: r.id,
    appId: r.app_id,
    environment: r.environment as Environment | null,
    kind: r.kind as KeyKind,
    name: r.name,
    scopes: JSON.parse(r.scopes),
    subject: r.subject,
    meta: JSON.parse(r.meta),
    ipAllowList: JSON.parse(r.ip_allow_list),
    enabled: Number(r.enabled) === 1,
    expiresAtMs: num(r.expires_at_ms),
    revokedAtMs: num(r.revoked_at_ms),
    revokedReason: r.revoked_reason,
    exposedAtMs: num(r.exposed_at_ms),
    start: r.start,
    reissuedFromId: r.reissued_from_id,
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    version: Number(r.version),
    usageCount: Number(r.usage_count),
    lastUsedAtMs: num(r.last_used_at_ms),
    clientCertSha256: r.client_cert_sha256 ?? null,
    ratelimit: r.ratelimit ? JSON.parse(r.ratelimit) : null,
    credits: r.credits ? JSON.parse(r.credits) : null,
    creditsRemaining: r.credits ? num(r.credits_remaining ?? null) : null,
    identityId: r.identity_id ?? null,
    // Root keys only, so an app key's record carries no meaningless "permissions: []".
    ...(r.kind === 'root' ? { permissions: r.permissions ? (JSON.parse(r.permissions) as string[]) : [], appIds: r.app_ids ? (JSON.parse(r.app_ids) as string[]) : null } : {}),
  };
}

export function keyToRow(k: KeyRecord): Database['keys'] {
  return {
    id: k.id,
    app_id: k.appId,
    environment: k.environment,
    kind: k.kind,
    name: k.name,
    scopes: JSON.stringify(k.scopes),
    subject: k.subject,
    meta: JSON.stringify(k.meta),
    ip_allow_list: JSON.stringify(k.ipAllowList),
    enabled: k.enabled ? 1 : 0,
    expires_at_ms: k.expiresAtMs,
    revoked_at_ms: k.revokedAtMs,
    revoked_reason: k.revokedReason,
    exposed_at_ms: k.exposedAtMs,
    start: k.start,
    reissued_from_id: k.reissuedFromId,
    created_at_ms: k.createdAtMs,
    updated_at_ms: k.updatedAtMs,
    version: k.version,
    usage_count: k.usageCount,
    last_used_at_ms: k.lastUsedAtMs,
    client_cert_sha256: k.clientCertSha256 ?? null,
    ratelimit: k.ratelimit ? JSON.stringify(k.ratelimit) : null,
    credits: k.credits ? JSON.stringify(k.credits) : null,
    credits_remaining: k.credits ? k.credits.amount : null,
    credits_period_start_ms: null,
    permissions: k.kind === 'root' ? JSON.stringify(k.permissions ?? []) : null,
    app_ids: k.kind === 'root' && k.appIds ? JSON.stringify(k.appIds) : null,
    identity_id: k.identityId ?? null,
  };
}

/** The columns a {@link KeyPatch} sets (shared by every guarded key update). */
export function keyPatchToSet(patch: KeyPatch): Partial<Database['keys']> {
  const set: Partial<Database['keys']> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.scopes !== undefined) set.scopes = JSON.stringify(patch.scopes);
  if (patch.meta !== undefined) set.meta = JSON.stringify(patch.meta);
  if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
  if (patch.expiresAtMs !== undefined) set.expires_at_ms = patch.expiresAtMs;
  if (patch.ipAllowList !== undefined) set.ip_allow_list = JSON.stringify(patch.ipAllowList);
  if (patch.subject !== undefined) set.subject = patch.subject;
  if (patch.clientCertSha256 !== undefined) set.client_cert_sha256 = patch.clientCertSha256;
  if (patch.ratelimit !== undefined) set.ratelimit = patch.ratelimit ? JSON.stringify(patch.ratelimit) : null;
  if (patch.credits !== undefined) {
    set.credits = patch.credits ? JSON.stringify(patch.credits) : null;
    set.credits_remaining = patch.credits ? patch.credits.amount : null;
    set.credits_period_start_ms = null;
  }
  if (patch.revokedAtMs !== undefined) set.revoked_at_ms = patch.revokedAtMs;
  if (patch.revokedReason !== undefined) set.revoked_reason = patch.revokedReason;
  if (patch.exposedAtMs !== undefined) set.exposed_at_ms = patch.exposedAtMs;
  if (patch.permissions !== undefined) set.permissions = JSON.stringify(patch.permissions);
  if (patch.appIds !== undefined) set.app_ids = patch.appIds ? JSON.stringify(patch.appIds) : null;
  if (patch.identityId !== undefined) set.identity_id = patch.identityId;
  return set;
}

export function secretFromRow(r: Database['key_secrets']): KeySecret {
  return { hash: r.hash, keyId: r.key_id, start: r.start, createdAtMs: Number(r.created_at_ms), expiresAtMs: num(r.expires_at_ms), sealedSecret: r.sealed_secret ?? null };
}

export function auditFromRow(r: Database['audit_log']): AuditRecord {
  return {
    seq: Number(r.seq),
    id: r.id,
    atMs: Number(r.at_ms),
    actor: r.actor,
    action: r.action,
    target: r.target,
    requestId: r.request_id,
    data: JSON.parse(r.data),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The part of an identity a verification needs, from its row's columns. */
export function identityOfKey(id: string, r: Pick<Database['identities'], 'external_id' | 'meta' | 'ratelimit' | 'credits'>): KeyIdentity {
  return { id, externalId: r.external_id, meta: JSON.parse(r.meta), ratelimit: r.ratelimit ? JSON.parse(r.ratelimit) : null, metered: r.credits !== null };
}

export function identityFromRow(r: Database['identities']): Identity {
  return {
    id: r.id,
    appId: r.app_id,
    externalId: r.external_id,
    meta: JSON.parse(r.meta),
    ratelimit: r.ratelimit ? JSON.parse(r.ratelimit) : null,
    credits: r.credits ? JSON.parse(r.credits) : null,
    creditsRemaining: r.credits ? num(r.credits_remaining) : null,
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    version: Number(r.version),
  };
}
