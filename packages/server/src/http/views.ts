import { DEFAULT_APP_SETTINGS, type App } from '../apps/model.js';
import type { KeyRecord } from '../keys/model.js';
import type { KeyDecision } from '../keys/decide.js';
import { toView } from '../keys/verifier.js';
import type { Mutable } from '../lib/mutable.js';
import { retryAfterSeconds } from '../ratelimit/headers.js';
import { iso, isoOrNull, type KeyViewT } from './schemas.js';

/** Domain → JSON. Times become RFC 3339 strings; nothing secret exists on these records. */
export function appView(app: App) {
  const settings = { ...DEFAULT_APP_SETTINGS, ...app.settings };
  return {
    id: app.id,
    name: app.name,
    settings: {
      ...settings,
      signatureRequiredComponents: [...settings.signatureRequiredComponents],
      certificatePins: [...settings.certificatePins],
      corsOrigins: [...settings.corsOrigins],
      identityProviders: settings.identityProviders.map((p) => ({ ...p, algorithms: [...p.algorithms] })),
    },
    createdAt: iso(app.createdAtMs),
    updatedAt: iso(app.updatedAtMs),
    version: app.version,
  };
}

export function keyView(k: KeyRecord, pendingUsage = 0): KeyViewT {
  return {
    id: k.id,
    appId: k.appId,
    environment: k.environment,
    kind: k.kind,
    name: k.name,
    start: k.start,
    scopes: [...k.scopes],
    subject: k.subject,
    meta: { ...k.meta },
    ipAllowList: [...k.ipAllowList],
    clientCertSha256: k.clientCertSha256 ?? null,
    ratelimit: k.ratelimit ? { ...k.ratelimit } : null,
    credits: k.credits ? { amount: k.credits.amount, refill: k.credits.refill, remaining: k.creditsRemaining ?? null } : null,
    enabled: k.enabled,
    expiresAt: isoOrNull(k.expiresAtMs),
    revokedAt: isoOrNull(k.revokedAtMs),
    revokedReason: k.revokedReason,
    exposedAt: isoOrNull(k.exposedAtMs),
    reissuedFromId: k.reissuedFromId,
    createdAt: iso(k.createdAtMs),
    updatedAt: iso(k.updatedAtMs),
    lastUsedAt: isoOrNull(k.lastUsedAtMs),
    usageCount: k.usageCount + pendingUsage,
    version: k.version,
  };
}

/**
 * A key verification in the API's field names (ISO times, `retryAfterSeconds`): what
 * `POST /v1/keys/verify` answers (plus its request id) and what `keyward keys verify --json`
 * prints, so the two cannot drift. Built by assignment: it runs on the verify hot path.
 */
export function verificationView(decision: KeyDecision): VerificationViewT {
  const view = toView(decision);
  const out: Mutable<VerificationViewT> = { valid: view.valid, code: view.code };
  if (view.keyId !== undefined) out.keyId = view.keyId;
  if (view.appId !== undefined) out.appId = view.appId;
  if (view.kind !== undefined) out.kind = view.kind;
  if (view.environment !== undefined) out.environment = view.environment;
  // Shared, read-only values of the cached record: serialised, never mutated, so not copied.
  if (view.scopes !== undefined) out.scopes = view.scopes as string[];
  if (view.subject !== undefined) out.subject = view.subject;
  if (view.meta !== undefined) out.meta = view.meta as Record<string, unknown>;
  if (view.creditsRemaining !== undefined) out.creditsRemaining = view.creditsRemaining;
  if (view.expiresAtMs !== undefined) out.expiresAt = view.expiresAtMs === null ? null : new Date(view.expiresAtMs).toISOString();
  if (view.retryAfterMs !== undefined) out.retryAfterSeconds = retryAfterSeconds(view.retryAfterMs);
  return out;
}

export interface VerificationViewT {
  readonly valid: boolean;
  readonly code: string;
  readonly keyId?: string;
  readonly appId?: string | null;
  readonly kind?: string;
  readonly environment?: string | null;
  readonly scopes?: string[];
  readonly subject?: string | null;
  readonly meta?: Record<string, unknown>;
  readonly expiresAt?: string | null;
  readonly creditsRemaining?: number;
  readonly retryAfterSeconds?: number;
}
