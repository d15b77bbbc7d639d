import { CATALOGUE, docsUrl, type Code, type DenyCode } from '../errors/catalogue.js';
import { authenticate, type AuthRequest, type CredentialVerifiers } from '../credentials/authenticate.js';
import type { Caller } from '../credentials/caller.js';
import { keyInUrl } from '../credentials/extract.js';
import type { Environment } from '../keys/model.js';

/** Decides whether an authenticated caller may make this call (the access map plugs in here). */
export type Authorizer = (caller: Caller, req: AuthRequest & { readonly path: string }) => Promise<{ readonly allowed: true; readonly responseHeaders?: Record<string, string> } | { readonly allowed: false; readonly code: DenyCode; readonly responseHeaders?: Record<string, string> }>;

export interface GuardOptions {
  readonly verifiers: CredentialVerifiers;
  /** Only credentials of this environment are accepted (default: either). */
  readonly environment?: Environment;
  /** Only credentials of this app are accepted. */
  readonly appId?: string;
  readonly authorize?: Authorizer;
}

export type GuardOutcome =
  | { readonly ok: true; readonly caller: Caller; readonly responseHeaders: Record<string, string> }
  | { readonly ok: false; readonly status: number; readonly body: ProblemBody; readonly headers: Record<string, string> };

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: Code;
}

/**
 * The framework-neutral core shared by the Fastify plugin, the Express middleware and the Hono
 * middleware: the same extraction, verification, caches and codes as the gateway. Frameworks only
 * translate their request into an {@link AuthRequest} and the outcome into a response.
 */
export function createGuard(options: GuardOptions): (req: AuthRequest & { readonly path: string }) => Promise<GuardOutcome> {
  const refuse = (code: Code, headers: Record<string, string> = {}): GuardOutcome => {
    const spec = CATALOGUE[code];
    return { ok: false, status: spec.status, body: { type: docsUrl(code), title: spec.title, status: spec.status, code }, headers: { 'content-type': 'application/problem+json', 'x-keyward-code': code, ...headers } };
  };
  return async (req) => {
    if (keyInUrl(req.rawTarget).length > 0) return refuse('KEY_IN_URL');
    const result = await authenticate(req, options.verifiers, { ...(options.environment ? { environment: options.environment } : {}), ...(options.appId ? { appId: options.appId } : {}) });
    if (!result.valid) return refuse(result.code, result.code === 'CREDENTIAL_MISSING' || result.code === 'INVALID_CREDENTIAL' ? { 'www-authenticate': 'Bearer' } : {});
    if (!options.authorize) return { ok: true, caller: result.caller, responseHeaders: {} };
    const decision = await options.authorize(result.caller, req);
    if (!decision.allowed) return refuse(decision.code, decision.responseHeaders);
    return { ok: true, caller: result.caller, responseHeaders: decision.responseHeaders ?? {} };
  };
}
