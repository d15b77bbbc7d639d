import { fromRawHeaders } from '@keyward/protocol';
import type { AuthRequest, SchemeVerifier } from '../credentials/authenticate.js';
import type { CallerResult } from '../credentials/caller.js';
import type { NonceStore } from './nonce-store.js';
import type { SignatureOwner, SigningKeyResolver } from './resolver.js';
import { verifyRequestSignature, type SignaturePolicy } from './verify.js';

/**
 * RFC 9421 as a credential scheme for `authenticate()`: the signature's owner becomes the caller,
 * with `signed: true`. `scheme` is how the request reached Keyward (`https` behind TLS).
 */
export function signatureScheme(deps: {
  readonly resolver: SigningKeyResolver;
  /** Per-app tightening: extra required components and a smaller skew (apps/model.ts). */
  readonly appSettings?: (appId: string) => Promise<{ readonly signatureRequiredComponents: readonly string[]; readonly signatureSkewSeconds: number } | undefined>;
  readonly nonces: NonceStore;
  readonly now: () => number;
  readonly policy?: SignaturePolicy;
  readonly scheme?: 'http' | 'https';
}): SchemeVerifier<AuthRequest> {
  return async (req, context): Promise<CallerResult> => {
    const view = fromRawHeaders(req.method, deps.scheme ?? 'https', req.rawTarget, req.rawHeaders);
    const result = await verifyRequestSignature<SignatureOwner>(view, req.body, { ...deps.policy, resolveKey: deps.resolver.resolve, nonces: deps.nonces, now: deps.now });
    if (!result.valid) return result;
    const o = result.owner;
    const app = await deps.appSettings?.(o.appId);
    if (app) {
      for (const name of app.signatureRequiredComponents) {
        if (!result.components.includes(`"${name}"`)) return { valid: false, code: 'SIGNATURE_COVERAGE', reason: `APP_REQUIRES: ${name}` };
      }
      const nowSeconds = Math.floor(deps.now() / 1000);
      if (Math.abs(nowSeconds - result.created) > app.signatureSkewSeconds + (deps.policy?.maxAgeSeconds ?? 300)) return { valid: false, code: 'SIGNATURE_EXPIRED', reason: 'APP_SKEW' };
    }
    if ((context.environment && o.environment !== context.environment) || (context.appId && o.appId !== context.appId)) {
      return { valid: false, code: 'INVALID_CREDENTIAL', reason: 'SIGNATURE_OTHER_APP_OR_ENVIRONMENT' };
    }
    return {
      valid: true,
      code: 'VALID',
      caller: {
        scheme: 'signature',
        kind: o.kind === 'device' ? 'device' : 'signing',
        id: o.credentialId,
        appId: o.appId,
        environment: o.environment,
        subject: o.subject,
        scopes: o.scopes,
        signed: true,
        session: false,
        attested: false,
      },
    };
  };
}
