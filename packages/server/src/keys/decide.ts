import type { PolicyState } from '../ratelimit/headers.js';
import type { DenyCode } from '../errors/catalogue.js';
import { ipInAnyCidr } from '../lib/cidr.js';
import type { Environment, KeyKind, KeyRecord, KeySecret } from './model.js';
import { effectiveScopes, missingScope } from './scopes.js';

/** What the caller of a verification asks for. Everything is optional; absent means "don't check". */
export interface VerifyRequirements {
  /** The app the key must belong to. */
  readonly appId?: string;
  readonly environment?: Environment;
  /** Kinds acceptable for this call. Default: every app key kind (never root). */
  readonly kinds?: readonly KeyKind[];
  /** The subject (user/device id) the call acts for. */
  readonly subject?: string;
  readonly scopes?: readonly string[];
  /** The caller's address, checked against the key's allow-list. */
  readonly ip?: string;
  /** SHA-256 (hex) of the client certificate presented over TLS, if any. */
  readonly clientCertSha256?: string;
  /** Credits this call spends from a metered key (default 1; 0 only checks the balance). */
  readonly cost?: number;
  /** The caller spends a metered key's credits itself, later (the gateway): no store call here. */
  readonly deferCredits?: boolean;
}

/**
 * Why a key was refused, precisely. Never shown to the caller (see {@link publicCode}); kept for
 * the audit log and metrics.
 */
export type DenyReason =
  | 'MALFORMED'
  | 'BAD_CHECKSUM'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'ROTATED_OUT'
  | 'WRONG_APP'
  | 'WRONG_ENVIRONMENT'
  | 'DISABLED'
  | 'EXPIRED'
  | 'KIND_NOT_ALLOWED'
  | 'SUBJECT_REQUIRED'
  | 'SUBJECT_MISMATCH'
  | 'INSUFFICIENT_SCOPES'
  | 'IP_NOT_ALLOWED'
  | 'CLIENT_CERT_MISMATCH'
  | 'KEY_RATE_LIMIT'
  | 'IDENTITY_RATE_LIMIT'
  | 'CREDITS_EXHAUSTED'
  | 'IDENTITY_CREDITS_EXHAUSTED';

/**
 * `policies`: for a key with its own or its identity's rate limit, what those limits said for this
 * call, as RateLimit policies (credentials/budgets.ts); the gateway and middlewares send them.
 */
export type KeyDecision =
  | { readonly valid: true; readonly code: 'VALID'; readonly key: KeyRecord; readonly subject: string | null; readonly scopes: readonly string[]; readonly creditsRemaining?: number; readonly policies?: readonly PolicyState[] }
  | { readonly valid: false; readonly code: DenyCode; readonly reason: DenyReason; readonly key?: KeyRecord; readonly retryAfterMs?: number; readonly policies?: readonly PolicyState[] };

export const APP_KEY_KINDS: readonly KeyKind[] = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing'];

/** Kinds that act for exactly one subject and must name it. */
const SUBJECT_BOUND_KINDS: ReadonlySet<KeyKind> = new Set(['publishable', 'device']);

/**
 * Unknown, revoked, rotated-out, wrong-app and wrong-environment keys must be indistinguishable
 * from outside (an attacker holding a leaked key must not learn whether it was ever real), so they
 * all map to one public code.
 */
export function publicCode(reason: DenyReason): DenyCode {
  switch (reason) {
    case 'MALFORMED':
    case 'BAD_CHECKSUM':
    case 'NOT_FOUND':
    case 'REVOKED':
    case 'ROTATED_OUT':
    case 'WRONG_APP':
    case 'WRONG_ENVIRONMENT':
      return 'INVALID_CREDENTIAL';
    case 'DISABLED':
      return 'CREDENTIAL_DISABLED';
    case 'EXPIRED':
      return 'CREDENTIAL_EXPIRED';
    case 'KIND_NOT_ALLOWED':
      return 'KIND_NOT_ALLOWED';
    case 'SUBJECT_REQUIRED':
      return 'SUBJECT_REQUIRED';
    case 'SUBJECT_MISMATCH':
      return 'SUBJECT_MISMATCH';
    case 'INSUFFICIENT_SCOPES':
      return 'INSUFFICIENT_SCOPES';
    case 'IP_NOT_ALLOWED':
      return 'IP_NOT_ALLOWED';
    case 'CLIENT_CERT_MISMATCH':
      return 'CLIENT_CERT_MISMATCH';
    case 'KEY_RATE_LIMIT':
    case 'IDENTITY_RATE_LIMIT':
      return 'RATE_LIMITED';
    case 'CREDITS_EXHAUSTED':
    case 'IDENTITY_CREDITS_EXHAUSTED':
      return 'USAGE_EXCEEDED';
  }
}

export function deny(reason: DenyReason, key?: KeyRecord): KeyDecision {
  return key ? { valid: false, code: publicCode(reason), reason, key } : { valid: false, code: publicCode(reason), reason };
}

/**
 * The verification decision: pure, from the looked-up record, the requirements and the clock.
 *
 * Order (each step runs only if the previous passed):
 *  1. found — the secret hash exists (checksum was checked before the lookup);
 *  2. not revoked, and the secret is not past its rotation grace period;
 *  3. app, then environment — 1–3 all answer INVALID_CREDENTIAL, so a leaked key's holder learns
 *     nothing about whether it exists or where; that is why they run before "enabled";
 *  4. enabled;  5. not expired;
 *  6. kind allowed for this call;  7. subject binding;  8. scopes;  9. IP allow-list;
 *  10. client certificate (mutual TLS), for keys bound to one.
 */
export function decideKey(
  found: { readonly key: KeyRecord; readonly secret: KeySecret } | undefined,
  req: VerifyRequirements,
  nowMs: number,
): KeyDecision {
  if (!found) return deny('NOT_FOUND');
  const { key, secret } = found;
  if (key.revokedAtMs !== null && key.revokedAtMs <= nowMs) return deny('REVOKED', key);
  if (secret.expiresAtMs !== null && secret.expiresAtMs <= nowMs) return deny('ROTATED_OUT', key);
  if (req.appId !== undefined && key.appId !== req.appId) return deny('WRONG_APP', key);
  if (req.environment !== undefined && key.environment !== req.environment) return deny('WRONG_ENVIRONMENT', key);
  if (!key.enabled) return deny('DISABLED', key);
  if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) return deny('EXPIRED', key);
  if (!(req.kinds ?? APP_KEY_KINDS).includes(key.kind)) return deny('KIND_NOT_ALLOWED', key);

  let subject: string | null = key.subject;
  if (req.subject !== undefined) {
    if (key.subject !== null && key.subject !== req.subject) return deny('SUBJECT_MISMATCH', key);
    subject = req.subject;
  }
  if (subject === null && SUBJECT_BOUND_KINDS.has(key.kind)) return deny('SUBJECT_REQUIRED', key);

  const scopes = effectiveScopes(key.kind, key.scopes);
  if (req.scopes && req.scopes.length > 0 && missingScope(scopes, req.scopes) !== undefined) return deny('INSUFFICIENT_SCOPES', key);
  if (key.ipAllowList.length > 0 && (req.ip === undefined || !ipInAnyCidr(req.ip, key.ipAllowList))) return deny('IP_NOT_ALLOWED', key);
  if (key.clientCertSha256 && req.clientCertSha256 !== key.clientCertSha256) return deny('CLIENT_CERT_MISMATCH', key);
  return { valid: true, code: 'VALID', key, subject, scopes };
}
