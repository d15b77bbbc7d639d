import { KeywardError, type FieldError } from '../errors/keyward-error.js';
import { isValidCidrOrIp } from '../lib/cidr.js';
import { jsonDepthExceeds } from '../lib/json.js';
import { CREDIT_LIMITS, type KeyCredits } from './credits.js';
import type { KeyKind } from './model.js';
import { isReadOnlyScope, isValidScope } from './scopes.js';

export const LIMITS = {
  nameMaxChars: 128,
  scopesMax: 64,
  metaMaxBytes: 4096,
  metaMaxDepth: 16,
  ipAllowListMax: 32,
  subjectMaxChars: 256,
  reasonMaxChars: 512,
} as const;

export interface KeySettingsInput {
  readonly kind?: KeyKind;
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly ipAllowList?: readonly string[];
  readonly subject?: string | null;
  readonly expiresAtMs?: number | null;
  readonly clientCertSha256?: string | null;
  readonly ratelimit?: { readonly rate: number; readonly windowSeconds: number; readonly burst: number } | null;
  readonly credits?: KeyCredits | null;
}

/**
 * Domain validation that JSON schema cannot express. Collects every problem so the caller fixes
 * them in one go; throws one VALIDATION_FAILED with field pointers.
 */
export function validateKeySettings(input: KeySettingsInput, nowMs: number, mode: 'create' | 'update' = 'create', pointerBase = '/body'): void {
  const errors: FieldError[] = [];
  const at = (field: string, message: string) => errors.push({ pointer: `${pointerBase}/${field}`, message });
  if (input.name !== undefined && (input.name.length === 0 || input.name.length > LIMITS.nameMaxChars)) {
    at('name', `must be 1 to ${LIMITS.nameMaxChars} characters`);
  }
  if (input.scopes) {
    if (input.scopes.length > LIMITS.scopesMax) at('scopes', `at most ${LIMITS.scopesMax} scopes`);
    input.scopes.forEach((s, i) => {
      if (!isValidScope(s)) at(`scopes/${i}`, 'must look like `resource:action`, with `*` allowed for a whole part');
      else if (input.kind === 'export' && !isReadOnlyScope(s)) at(`scopes/${i}`, 'export keys are read-only: only `…:read` scopes');
    });
    if (input.kind === 'restricted' && input.scopes.length === 0) at('scopes', 'a restricted key needs at least one scope');
  } else if (input.kind === 'restricted' && mode === 'create') {
    at('scopes', 'a restricted key needs an explicit list of scopes');
  }
  // Depth first, with an iterative walk: JSON.stringify recurses and would run out of stack on a
  // deeply nested value before the size check could refuse it.
  if (input.meta !== undefined && jsonDepthExceeds(input.meta, LIMITS.metaMaxDepth)) {
    at('meta', `must nest at most ${LIMITS.metaMaxDepth} levels deep`);
  } else if (input.meta !== undefined && Buffer.byteLength(JSON.stringify(input.meta)) > LIMITS.metaMaxBytes) {
    at('meta', `must serialise to at most ${LIMITS.metaMaxBytes} bytes`);
  }
  if (input.ipAllowList) {
    if (input.ipAllowList.length > LIMITS.ipAllowListMax) at('ipAllowList', `at most ${LIMITS.ipAllowListMax} entries`);
    input.ipAllowList.forEach((c, i) => {
      if (!isValidCidrOrIp(c)) at(`ipAllowList/${i}`, 'must be an IPv4/IPv6 address or CIDR');
    });
  }
  if (input.subject !== undefined && input.subject !== null && (input.subject.length === 0 || input.subject.length > LIMITS.subjectMaxChars)) {
    at('subject', `must be 1 to ${LIMITS.subjectMaxChars} characters`);
  }
  if (input.clientCertSha256 !== undefined && input.clientCertSha256 !== null) {
    if (!/^[0-9a-f]{64}$/.test(input.clientCertSha256)) at('clientCertSha256', 'must be 64 lowercase hex characters (SHA-256 of the DER certificate)');
    else if (input.kind !== undefined && input.kind !== 'secret' && input.kind !== 'restricted') at('clientCertSha256', 'only secret and restricted keys can be bound to a client certificate');
  }
  if (input.ratelimit) {
    const r = input.ratelimit;
    if (!Number.isInteger(r.rate) || r.rate < 1 || !Number.isInteger(r.windowSeconds) || r.windowSeconds < 1 || !Number.isInteger(r.burst) || r.burst < 1) at('ratelimit', 'rate, windowSeconds and burst are positive integers');
  }
  if (input.credits) {
    const c = input.credits;
    if (!Number.isInteger(c.amount) || c.amount < 1 || c.amount > CREDIT_LIMITS.maxAmount) at('credits/amount', `a whole number from 1 to ${CREDIT_LIMITS.maxAmount}`);
    const r = c.refill;
    if (r !== null && r !== 'daily' && r !== 'monthly' && !(typeof r === 'object' && Number.isInteger(r.intervalSeconds) && r.intervalSeconds >= CREDIT_LIMITS.minIntervalSeconds)) {
      at('credits/refill', `daily, monthly, {intervalSeconds ≥ ${CREDIT_LIMITS.minIntervalSeconds}} or null`);
    }
  }
  if (input.kind === 'device' && !input.subject && (mode === 'create' || input.subject !== undefined)) at('subject', 'a device credential must name its device');
  if (input.expiresAtMs !== undefined && input.expiresAtMs !== null && input.expiresAtMs <= nowMs) at('expiresAt', 'must be in the future');
  if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
}
