import type { Environment } from '../keys/model.js';
import { missingScope } from '../keys/scopes.js';
import { newRequestId } from '../lib/ids.js';
import { authenticate, SUBJECT_HEADER, type CredentialVerifiers } from './authenticate.js';
import type { Caller } from './caller.js';
import { keysInTarget } from './extract.js';
import { observeAuthentication } from './observe.js';
import type { AttestationGate } from './pipeline.js';

/** The per-request assertion header (attestation/assertion.ts); spelled here so credentials/ does not import attestation/. */
const ASSERTION_HEADER = 'keyward-assertion';

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

/** What verifyAny needs beyond the credential schemes: the attestation gate, to check a request's assertion. */
export interface VerifyAnyOptions {
  readonly attestation?: Pick<AttestationGate, 'verifyAssertion'>;
  /** Anomaly detection's view of the request (VerifyAnyObservation). */
  readonly observed?: VerifyAnyObservation;
  /** The verify call's own request id, for the audit record of a key found in a request's target (default: a new one). */
  readonly requestId?: string;
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
  | ({ readonly valid: true; readonly code: 'VALID'; readonly asserted?: true } & Caller)
  | { readonly valid: false; readonly code: string; readonly retryAfterMs?: number };

/**
 * The in-process verify for every scheme (keys, sessions, tokens, signed requests) — what
 * `POST /v1/verify` serves. A refusal carries only its public code; the reason goes to metrics.
 *
 * A whole request that carries a `Keyward-Assertion` header also has its assertion checked, as
 * the gateway does on an assertion route (attestation/gate.ts: the app token's instance, the
 * body's Content-Digest, the signature, then the counter's compare-and-set, which this call
 * spends): `asserted: true` when it holds, its code when not. Without the gate it is refused
 * (fail closed): a header nobody checked must not read as a pass.
 *
 * A whole request whose target carries a key (as sent or percent-encoded, found by the pipeline's
 * own `keysInTarget`) is refused with `KEY_IN_URL` before anything is verified, as the gateway and
 * the middleware refuse it: every real key found is reported through `reportKeysInUrl` (marked
 * exposed, audited as seen at `verify` with the request id, revoked when its app says so).
 */
export async function verifyAny(verifiers: CredentialVerifiers, input: VerifyAnyInput, context: VerifyAnyContext = {}, onReason?: (scheme: string, code: string, reason: string) => void, options: VerifyAnyOptions = {}): Promise<VerifyAnyResult> {
  const { observed } = options;
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
    target = input.request.target;
    // Cheap when the target holds no `kw_` and no `%` (mayHoldKey): nothing is decoded.
    const inUrl = keysInTarget(target);
    if (inUrl.length > 0) {
      await verifiers.reportKeysInUrl?.(inUrl, { where: 'verify', requestId: options.requestId ?? newRequestId() });
      onReason?.('any', 'KEY_IN_URL', 'KEY_IN_TARGET');
      return { valid: false, code: 'KEY_IN_URL' };
    }
    for (const [n, v] of input.request.headers) rawHeaders.push(n, v);
    method = input.request.method;
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
    observeAuthentication(verifiers.observe, observed.clientIp ?? null, observed.userAgent ?? headers['user-agent'] ?? null, result, context.appId ?? null, observed.now());
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
  // The budgets are for the gateway's and middlewares' RateLimit headers, not part of the answer.
  const { limitPolicies: _policies, credits: _credits, ...caller } = result.caller;
  if ('request' in input && headers[ASSERTION_HEADER] !== undefined) {
    const path = target.split('?')[0]!;
    const asserted = options.attestation
      ? await options.attestation.verifyAssertion(result.caller, { method, rawTarget: target, path, headers, rawHeaders, clientIp, requestId: 'verify', ...(body ? { body } : {}) })
      : ({ ok: false, code: 'ASSERTION_INVALID', reason: 'NO_ATTESTATION_GATE' } as const);
    if (!asserted.ok) {
      onReason?.(result.caller.scheme, asserted.code, asserted.reason);
      return { valid: false, code: asserted.code };
    }
    return { valid: true, code: 'VALID', ...caller, asserted: true };
  }
  return { valid: true, code: 'VALID', ...caller };
}
