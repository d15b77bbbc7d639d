import { DEFAULT_APP_SETTINGS, type App } from '../apps/model.js';
import type { KeyRecord } from '../keys/model.js';
import type { KeyDecision } from '../keys/decide.js';
import { toView } from '../keys/verifier.js';
import type { Mutable } from '../lib/mutable.js';
import { retryAfterSeconds } from '../ratelimit/headers.js';
import type { AuditRecord } from '../audit/model.js';
import type { SecretView } from '../secrets/service.js';
import type { Session } from '../sessions/model.js';
import type { AnomalyRecord } from '../anomaly/store.js';
import type { AccessMap } from '../policy/model.js';
import type { MintedToken, SigningKeyInfo, SigningKeyScheduleEntry, TokenResult } from '../tokens/index.js';
import type { RevokedToken } from '../tokens/store.js';
import { iso, isoOrNull, type KeyViewT } from './schemas.js';
import type { EndpointView } from '../webhooks/service.js';
import type { DeliveryAttempt, WebhookDelivery } from '../webhooks/model.js';
import type { LeakReport } from '../leaks/model.js';
import type { AttestationEvent } from '../attestation/events.js';

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
      anomalyActions: { ...settings.anomalyActions },
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
    identityId: k.identityId ?? null,
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
  if (view.identity !== undefined) out.identity = view.identity as VerificationViewT['identity'];
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
  readonly identity?: { id: string; externalId: string; meta: Record<string, unknown> };
}

/** A session (never its key or refresh token): what `GET /v1/sessions` lists and `keyward sessions list` prints. */
export function sessionView(s: Session) {
  return {
    id: s.id,
    appId: s.appId,
    environment: s.environment,
    subject: s.subject,
    device: { ...s.device } as Record<string, string>,
    createdAt: iso(s.createdAtMs),
    lastUsedAt: iso(s.lastUsedAtMs),
    expiresAt: iso(s.sessionKeyExpiresAtMs),
    idleExpiresAt: iso(s.lastUsedAtMs + s.idleTtlMs),
    absoluteExpiresAt: iso(s.absoluteExpiresAtMs),
    revokedAt: s.revokedAtMs === null ? null : iso(s.revokedAtMs),
    revokedReason: s.revokedReason,
  };
}

export const issuedSessionView = (s: Session, sessionKey: string, refreshToken: string) => ({ session: sessionView(s), sessionKey, refreshToken, expiresAt: iso(s.sessionKeyExpiresAtMs) });

/** One audit record with its time as RFC 3339 (`at`), as `GET /v1/audit` pages them. */
export function auditView({ atMs, ...r }: AuditRecord) {
  return { ...r, at: iso(atMs), data: { ...r.data } };
}

export const mintedTokenView = (m: MintedToken) => ({ token: m.token, jti: m.jti, kid: m.kid, expiresAt: iso(m.expiresAtMs) });

/** A token verification as `POST /v1/tokens/verify` answers it (without its request id). */
export function tokenVerificationView(r: TokenResult) {
  if (!r.valid) return { valid: false as const, code: r.code };
  const c = r.claims;
  return { valid: true as const, code: 'VALID' as const, jti: c.jti, subject: c.subject, appId: c.appId, environment: c.environment, scopes: [...c.scopes], audience: c.audience, expiresAt: iso(c.expiresAtMs), singleUse: c.singleUse };
}

/** A signing key's place in the publish-first schedule (`GET /v1/signing-keys`). */
export const signingKeyScheduleView = (e: SigningKeyScheduleEntry) => ({
  kid: e.kid,
  alg: e.alg,
  state: e.state,
  publishedAt: iso(e.publishedAtMs),
  activatesAt: iso(e.activatesAtMs),
  retiresAt: isoOrNull(e.retiresAtMs),
  signsNow: e.signsNow,
  verifiesNow: e.verifiesNow,
});
export const signingKeyView = (r: SigningKeyInfo) => ({ kid: r.kid, alg: r.alg, state: r.state, createdAt: iso(r.createdAtMs), activatesAt: iso(r.activatesAtMs) });

/** A server-held secret's metadata (never its value), as the secrets routes answer. */
export function secretView(s: SecretView) {
  const { createdAtMs, updatedAtMs, ...rest } = s;
  return { ...rest, createdAt: iso(createdAtMs), updatedAt: iso(updatedAtMs) };
}

/** An anomaly (anomaly/store.ts) as the API and the CLI show it. */
export function anomalyView(a: AnomalyRecord) {
  return {
    id: a.id,
    rule: a.rule,
    appId: a.appId,
    entity: a.entity,
    credentialKind: a.credentialKind,
    detectedAt: iso(a.detectedAtMs),
    detail: { ...a.detail },
    action: a.action,
    actionOutcome: a.actionOutcome,
    status: a.status,
    closedAt: isoOrNull(a.closedAtMs),
    closedBy: a.closedBy,
  };
}
export function webhookEndpointView(e: EndpointView) {
  const { createdAtMs, updatedAtMs, ...rest } = e;
  return { ...rest, events: [...rest.events], createdAt: iso(createdAtMs), updatedAt: iso(updatedAtMs) };
}

/** A delivery as the log shows it: the payload is the event (non-secret by construction). */
export function webhookDeliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    appId: d.appId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: isoOrNull(d.nextAttemptAtMs),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: iso(d.createdAtMs),
    updatedAt: iso(d.updatedAtMs),
  };
}

export function webhookAttemptView(a: DeliveryAttempt) {
  return { attempt: a.attempt, at: iso(a.atMs), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs };
}

export function leakReportView(r: LeakReport) {
  const { firstReportedAtMs, lastReportedAtMs, closedAtMs, ...rest } = r;
  return { ...rest, firstReportedAt: iso(firstReportedAtMs), lastReportedAt: iso(lastReportedAtMs), closedAt: closedAtMs === null ? null : iso(closedAtMs) };
}

/** The loaded access map as data (`GET /v1/policy`): what the map says, never a secret's value. */
export function accessMapView(map: AccessMap | undefined) {
  if (!map) return { loaded: false, audience: null, resources: [], limits: [], quotas: [], upstreams: [] };
  return {
    loaded: true,
    audience: map.audience ?? null,
    resources: map.resources.map((r) => ({
      name: r.name,
      path: r.path,
      methods: r.methods === '*' ? ('*' as const) : [...r.methods],
      allow: [...r.allow],
      scopes: [...r.scopes],
      subject: r.subject ?? null,
      subjectForAll: r.subjectForAll,
      require: [...r.require],
      environments: r.environments ? [...r.environments] : null,
      minAppVersion: { ...r.minAppVersion },
      rateLimits: [...r.rateLimits],
      quota: r.quota ?? null,
      cost: r.cost,
      injectSecret: r.injectSecret ? { name: r.injectSecret.name, header: r.injectSecret.header } : null,
      audience: r.audience ?? null,
      upstream: r.upstream ?? null,
      monitor: r.monitor === true,
      line: r.line,
    })),
    limits: Object.values(map.limits).map((l) => ({ name: l.name, rate: l.rate, windowSeconds: l.windowSeconds, burst: l.burst, by: l.by })),
    quotas: Object.values(map.quotas).map((q) => ({ name: q.name, amount: q.amount, refill: typeof q.refill === 'string' ? q.refill : { intervalSeconds: q.refill.intervalSeconds }, by: q.by })),
    upstreams: Object.values(map.upstreams).map((u) => ({ name: u.name, url: u.url, audience: u.audience ?? null })),
  };
}

export function attestationEventView({ firstAtMs, lastAtMs, ...e }: AttestationEvent) {
  return { ...e, firstAt: iso(firstAtMs), lastAt: iso(lastAtMs) };
}

/** A token revocation (tokens/store.ts RevokedToken) in the API's field names. */
export function revokedTokenView(r: RevokedToken): { jti: string; appId: string; environment: string; reason: string | null; revokedAt: string; expiresAt: string } {
  return { jti: r.jti, appId: r.appId, environment: r.environment, reason: r.reason, revokedAt: iso(r.revokedAtMs), expiresAt: iso(r.expiresAtMs) };
}
