import type { Observation } from '../anomaly/model.js';
import type { Code } from '../errors/catalogue.js';
import type { CallerResult } from './caller.js';

const SIGNATURE_FAILURES: ReadonlySet<Code> = new Set(['SIGNATURE_INVALID', 'SIGNATURE_EXPIRED', 'SIGNATURE_REPLAYED', 'SIGNATURE_COVERAGE', 'DIGEST_MISMATCH']);

/**
 * One authentication outcome as anomaly detection sees it (anomaly/model.ts `Observation`), for
 * every path that authenticates: the pipeline (gateway, middleware) and the verify API. A request
 * without any credential is not a failed verification and is not observed. In memory only: the
 * detector (anomaly/service.ts) writes to the store only when a rule fires.
 */
export function observeAuthentication(
  observe: (o: Observation) => void,
  clientIp: string | null,
  userAgent: string | null,
  auth: CallerResult,
  appId: string | null,
  atMs: number,
): void {
  if (auth.valid) {
    const c = auth.caller;
    observe({ atMs, appId: c.appId, credentialId: c.id, credentialKind: c.kind, subject: c.subject ?? null, clientIp, userAgent, failed: false, signatureFailed: false });
  } else if (auth.code !== 'CREDENTIAL_MISSING') {
    observe({ atMs, appId, credentialId: null, credentialKind: null, subject: null, clientIp, userAgent, failed: true, signatureFailed: SIGNATURE_FAILURES.has(auth.code) });
  }
}
