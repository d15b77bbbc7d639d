import type { Caller } from '../credentials/caller.js';
import { createPipeline, type AttestationGate, type Authorizer, type PipelineOptions, type PipelineRequest } from '../credentials/pipeline.js';
import type { CredentialVerifiers } from '../credentials/authenticate.js';
import type { Code } from '../errors/catalogue.js';
import { problemResponse, type Problem } from '../errors/problem.js';
import type { Environment } from '../keys/model.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { requestIdFrom } from '../lib/ids.js';
import type { Mutable } from '../lib/mutable.js';
import type { CompiledAccessMap } from '../policy/evaluate.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../ratelimit/store.js';

export type { Authorizer } from '../credentials/pipeline.js';

/**
 * The request as the guard sees it. `path` is the raw path the client sent, without the query
 * and including any mount prefix, so one access map means the same thing here and in the gateway.
 * `requestId` is optional: a valid incoming `X-Request-Id` is kept, else one is made.
 */
export type GuardRequest = Omit<PipelineRequest, 'requestId'> & { readonly requestId?: string };

export interface GuardOptions {
  readonly verifiers: CredentialVerifiers;
  /** Only credentials of this environment are accepted (default: either). */
  readonly environment?: Environment;
  /** Only credentials of this app are accepted. */
  readonly appId?: string;
  /** The access map (`compileAccessMap(loadAccessMap(file))`), enforced as the gateway does. Without one every authenticated caller passes to `authorize`. */
  readonly accessMap?: CompiledAccessMap;
  /** Where the map's rate limits and quotas are counted. Default: this process's memory (one node), like the gateway. */
  readonly limits?: RateLimitStore;
  readonly authorize?: Authorizer;
  /** Clock for the map's rate limits and quotas (default: the system clock). */
  readonly now?: Clock;
  /**
   * App attestation on the request path (`kw.attestation.gate`): assertions and monitor-only
   * mode. Without it, routes that require an assertion are refused. Pass the request `body` to
   * the guard on such routes: its Content-Digest is part of the assertion.
   */
  readonly attestation?: AttestationGate;
}

export type GuardOutcome =
  | { readonly ok: true; readonly caller: Caller; readonly requestId: string; readonly responseHeaders: Record<string, string> }
  | { readonly ok: false; readonly status: number; readonly body: ProblemBody; readonly headers: Record<string, string> };

/** The problem+json body of a refusal: the same builder as the admin API and the gateway. */
export type ProblemBody = Problem;

/**
 * The framework-neutral core shared by the Fastify plugin, the Express middleware and the Hono
 * middleware: a thin adapter over the one pipeline (credentials/pipeline.ts) that the gateway uses
 * too, so extraction, the key-in-URL refusal (with exposure marking), verification, caches, order
 * and codes are the same. Frameworks only translate their request into a {@link GuardRequest} and
 * the outcome into a response. Build it once per app, not per request.
 */
export function createGuard(options: GuardOptions): (req: GuardRequest) => Promise<GuardOutcome> {
  const pipelineOptions: Mutable<PipelineOptions> = {
    verifiers: options.verifiers,
    where: 'middleware',
    limits: options.limits ?? new MemoryRateLimitStore(),
    now: options.now ?? systemClock,
  };
  if (options.environment) pipelineOptions.environment = options.environment;
  if (options.appId) pipelineOptions.appId = options.appId;
  if (options.accessMap) pipelineOptions.accessMap = options.accessMap;
  if (options.authorize) pipelineOptions.authorize = options.authorize;
  if (options.attestation) pipelineOptions.attestation = options.attestation;
  const pipeline = createPipeline(pipelineOptions);

  return async (req) => {
    const requestId = req.requestId ?? requestIdFrom(req.headers['x-request-id']);
    const outcome = await pipeline({ ...req, requestId });
    if (outcome.allow) return { ok: true, caller: outcome.caller, requestId, responseHeaders: outcome.responseHeaders };
    return refusal(outcome.code, requestId, outcome.headers, outcome.detail);
  };
}

/** A refusal in the guard's outcome shape (the adapters' own refusals, e.g. a body over the cap, use it too). */
export function refusal(code: Code, requestId: string, headers: Record<string, string> = {}, detail?: string): Extract<GuardOutcome, { ok: false }> {
  const answer = problemResponse(code, requestId, detail === undefined ? { headers } : { headers, detail });
  return { ok: false, status: answer.status, body: answer.body, headers: answer.headers };
}
