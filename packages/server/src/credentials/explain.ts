import type { DenyCode } from '../errors/catalogue.js';
import { explain, type CompiledAccessMap, type Step } from '../policy/evaluate.js';
import { authenticate, type CredentialVerifiers } from './authenticate.js';

/** One call to explain: what `keyward policy explain` and `POST /v1/policy/explain` are asked. */
export interface ExplainInput {
  /** The key, session key or token to test. Never logged, never part of the answer. */
  readonly credential: string;
  readonly method: string;
  /** The path as a request would carry it; a query is ignored. */
  readonly path: string;
  /** The subject (`X-Keyward-Subject`) a key without its own would act for. */
  readonly subject?: string;
  readonly appVersion?: string;
  /** Answer as if the request carried a valid RFC 9421 signature. */
  readonly assumeSigned?: boolean;
  /** Answer as if the request carried a valid attested app token. */
  readonly assumeAttested?: boolean;
}

export type ExplainAnswer =
  | { readonly allowed: true; readonly resource: string; readonly steps: Step[] }
  | { readonly allowed: false; readonly code: DenyCode; readonly resource?: string; readonly steps: Step[] };

/**
 * "May this credential make this call, and why (not)?": the credential is authenticated the way a
 * request carrying it in `Authorization: Bearer` would be (credentials/authenticate.ts), then the
 * map decides with `explain()` (policy/evaluate.ts), so the answer is the gateway's own. The CLI
 * (`keyward policy explain`) and the admin API (`POST /v1/policy/explain`) both call this.
 *
 * Credits are deferred, as the gateway does before the map has allowed a call: asking costs
 * nothing. A key's own rate limit is still consulted by its verification, so asking counts as one
 * request against it (as a verification through `POST /v1/keys/verify` would).
 */
export async function explainCredential(verifiers: CredentialVerifiers, map: CompiledAccessMap, input: ExplainInput): Promise<ExplainAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${input.credential}`, ...(input.subject ? { 'x-keyward-subject': input.subject } : {}) };
  const auth = await authenticate({ method: input.method, rawTarget: input.path, headers, rawHeaders: Object.entries(headers).flat(), clientIp: '' }, verifiers, { deferCredits: true });
  if (!auth.valid) return { allowed: false, code: auth.code, steps: [{ check: 'credential', ok: false, detail: auth.reason }] };
  const caller = { ...auth.caller, signed: auth.caller.signed || Boolean(input.assumeSigned), attested: auth.caller.attested || Boolean(input.assumeAttested) };
  const { decision, steps } = explain(map, { method: input.method, path: input.path.split('?')[0]!, ...(input.appVersion ? { appVersion: input.appVersion } : {}) }, caller);
  const assumed = [...(input.assumeSigned ? ['signed'] : []), ...(input.assumeAttested ? ['attested'] : [])];
  const all = [{ check: 'credential', ok: true, detail: `${caller.kind} ${caller.id} (${caller.environment})${assumed.length ? `, assumed ${assumed.join(' and ')}` : ''}` }, ...steps];
  if (decision.allowed) return { allowed: true, resource: decision.resource.name, steps: all };
  return { allowed: false, code: decision.code, ...(decision.resource ? { resource: decision.resource.name } : {}), steps: all };
}
