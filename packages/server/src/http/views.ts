import { DEFAULT_APP_SETTINGS, type App } from '../apps/model.js';
import type { KeyRecord } from '../keys/model.js';
import { iso, isoOrNull, type KeyViewT } from './schemas.js';

/** Domain → JSON. Times become RFC 3339 strings; nothing secret exists on these records. */
export function appView(app: App) {
  const settings = { ...DEFAULT_APP_SETTINGS, ...app.settings };
  return {
    id: app.id,
    name: app.name,
    settings: { ...settings, signatureRequiredComponents: [...settings.signatureRequiredComponents], certificatePins: [...settings.certificatePins] },
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
