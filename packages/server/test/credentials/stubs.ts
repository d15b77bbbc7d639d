import type { AuthContext, AuthRequest, CredentialVerifiers } from '../../src/credentials/authenticate.js';
import type { Caller, CallerResult } from '../../src/credentials/caller.js';
import type { KeyDecision, VerifyRequirements } from '../../src/keys/decide.js';
import type { KeyRecord } from '../../src/keys/model.js';
import type { DeferredSpend, KeyVerifier } from '../../src/keys/verifier.js';

/**
 * Stand-in verifiers for the unit tests of how authenticate(), the pipeline and verifyAny()
 * combine answers: each answers what the test says and records what it was asked. The real
 * verifiers have their own suites (keys/, signatures/, tokens/, sessions/).
 */
export const KEY_RECORD = {
  id: 'key_1',
  appId: 'app_1',
  environment: 'live',
  kind: 'secret',
  credits: null,
} as unknown as KeyRecord;

export function validKey(over: Partial<KeyRecord> = {}, subject: string | null = null, scopes: readonly string[] = ['*']): KeyDecision {
  return { valid: true, code: 'VALID', key: { ...KEY_RECORD, ...over }, subject, scopes };
}

export const caller = (over: Partial<Caller> = {}): Caller => ({
  scheme: 'signature',
  kind: 'signing',
  id: 'key_signer',
  appId: 'app_1',
  environment: 'live',
  subject: null,
  scopes: ['*'],
  signed: true,
  session: false,
  attested: false,
  ...over,
});

export interface Recorded {
  keys: { value: string; requirements: VerifyRequirements }[];
  spends: { keyId: string; cost: number }[];
  tokens: { value: string; context: AuthContext }[];
  sessions: { value: string; context: AuthContext }[];
  signatures: { req: AuthRequest; context: AuthContext }[];
}

export function stubVerifiers(answers: {
  key?: KeyDecision;
  spend?: DeferredSpend;
  token?: CallerResult;
  session?: CallerResult;
  signature?: CallerResult;
  reportKeysInUrl?: CredentialVerifiers['reportKeysInUrl'];
}): { verifiers: CredentialVerifiers; seen: Recorded } {
  const seen: Recorded = { keys: [], spends: [], tokens: [], sessions: [], signatures: [] };
  const keys = {
    verify: (value: string, requirements: VerifyRequirements) => {
      seen.keys.push({ value, requirements });
      return answers.key ?? validKey();
    },
    spendDeferred: async (keyId: string, cost: number) => {
      seen.spends.push({ keyId, cost });
      return answers.spend ?? { ok: true };
    },
  } as unknown as KeyVerifier;
  const verifiers: CredentialVerifiers = {
    keys,
    ...(answers.token ? { tokens: async (value: string, context: AuthContext) => (seen.tokens.push({ value, context }), answers.token!) } : {}),
    ...(answers.session ? { sessions: async (value: string, context: AuthContext) => (seen.sessions.push({ value, context }), answers.session!) } : {}),
    ...(answers.signature ? { signatures: async (req: AuthRequest, context: AuthContext) => (seen.signatures.push({ req, context }), answers.signature!) } : {}),
    ...(answers.reportKeysInUrl ? { reportKeysInUrl: answers.reportKeysInUrl } : {}),
  };
  return { verifiers, seen };
}

export function authRequest(headers: Record<string, string | string[]>, over: Partial<AuthRequest> = {}): AuthRequest {
  const rawHeaders = Object.entries(headers).flatMap(([n, v]) => (Array.isArray(v) ? v.flatMap((x) => [n, x]) : [n, v]));
  return { method: 'GET', rawTarget: '/x', headers, rawHeaders, clientIp: '203.0.113.7', ...over };
}

export const SIGNATURE_HEADERS = { 'signature-input': 'sig=("@method");created=1;keyid="key_signer"', signature: 'sig=:AAAA:' };
