import type { Environment } from '../keys/model.js';
import { missingScope } from '../keys/scopes.js';
import { authenticate, SUBJECT_HEADER, type CredentialVerifiers } from './authenticate.js';
import type { Caller } from './caller.js';
import { observeAuthentication } from './observe.js';

/** What to verify: a credential string (key, session key or token — told apart by form), or a whole signed request. */
export type VerifyAnyInput =
  | { readonly credential: string; readonly subject?: string; readonly clientIp?: string }
  | { readonly request: { readonly method: string; readonly target: string; readonly headers: ReadonlyArray<readonly [string, string]>; readonly body?: Uint8Array; readonly clientIp?: string } };

export interface VerifyAnyContext {
  readonly appId?: string;
  readonly environment?: Environment;
  /** Every one of these must be granted. */
  readonly scopes?: readonly string[];
}

/**
 * Anomaly detection's view of one verification through the verify API (`verifiers.observe`):
 * where the end user's request came from, as the calling backend saw it. Only observed, never
 * used to authenticate (an IP allow-list is judged on the address the verifier itself sees), so a
 * backend that reports a wrong address can fool the detector, not the check.
 */
export interface VerifyAnyObservation {
  readonly now: () => number;
  readonly clientIp?: string;
  /** Default: the `user-agent` of a signed request's headers. */
  readonly userAgent?: string;
}

/** One shape for every credential: the same fields whatever proved the caller. */
export type VerifyAnyResult =
  | ({ readonly valid: true; readonly code: 'VALID' } & Caller)
  | { readonly valid: false; readonly code: string; readonly retryAfterMs?: number };

/**
 * The in-process verify for every scheme (keys, sessions, tokens, signed requests) — what
 * `POST /v1/verify` serves. A refusal carries only its public code; the reason goes to metrics.
 */
export async function verifyAny(
  verifiers: CredentialVerifiers,
  input: VerifyAnyInput,
  context: VerifyAnyContext = {},
  onReason?: (scheme: string, code: string, reason: string) => void,
  observed?: VerifyAnyObservation,
): Promise<VerifyAnyResult> {
  const rawHeaders: string[] = [];
  let method = 'POST';
  let target = '/';
  let body: Uint8Array | undefined;
  let clientIp = '';
  if ('credential' in input) {
    rawHeaders.push('authorization', `Bearer ${input.credential}`);
    if (input.subject) rawHeaders.push(SUBJECT_HEADER, input.subject);
    clientIp = input.clientIp ?? '';
  } else {
    for (const [n, v] of input.request.headers) rawHeaders.push(n, v);
    method = input.request.method;
    target = input.request.target;
    body = input.request.body;
    clientIp = input.request.clientIp ?? '';
  }
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const n = rawHeaders[i]!.toLowerCase();
    headers[n] = headers[n] === undefined ? rawHeaders[i + 1]! : `${headers[n]}, ${rawHeaders[i + 1]}`;
  }
  const result = await authenticate({ method, rawTarget: target, headers, rawHeaders, clientIp, ...(body ? { body } : {}) }, verifiers, {
    ...(context.appId ? { appId: context.appId } : {}),
    ...(context.environment ? { environment: context.environment } : {}),
  });
  // In memory, synchronous: a burst of failures against one app, a key from many networks.
  if (observed && verifiers.observe) {
    observeAuthentication(verifiers.observe, { clientIp: observed.clientIp ?? null, userAgent: observed.userAgent ?? headers['user-agent'] ?? null }, result, context.appId ?? null, observed.now());
  }
  if (!result.valid) {
    onReason?.('any', result.code, result.reason);
    // A rate-limited or spent key says when it may call again, as /v1/keys/verify does.
    return result.retryAfterMs !== undefined ? { valid: false, code: result.code, retryAfterMs: result.retryAfterMs } : { valid: false, code: result.code };
  }
  if (context.scopes?.length && missingScope(result.caller.scopes, context.scopes) !== undefined) {
    onReason?.(result.caller.scheme, 'INSUFFICIENT_SCOPES', 'SCOPES');
    return { valid: false, code: 'INSUFFICIENT_SCOPES' };
  }
  return { valid: true, code: 'VALID', ...result.caller };
}
