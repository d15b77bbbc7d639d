import type { Observation } from '../anomaly/model.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Mutable } from '../lib/mutable.js';
import type { DenyCode } from '../errors/catalogue.js';
import type { Environment } from '../keys/model.js';
import type { VerifyRequirements } from '../keys/decide.js';
import type { KeyKind } from '../keys/model.js';
import { isMetered, type KeyVerifier } from '../keys/verifier.js';
import type { KeyDecision } from '../keys/decide.js';
import { digestsEqual } from '../lib/crypto.js';
import { keyCaller, type Caller, type CallerResult } from './caller.js';
import { isKeywardJwt, looksLikeJwt, presented } from './extract.js';
import type { ExternalToken } from '../oidc/scheme.js';
import type { MaybePromise } from '../lib/maybe-promise.js';

/** The request as the authenticator sees it: raw enough for signature bases. */
export interface AuthRequest {
  readonly method: string;
  readonly rawTarget: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
  readonly body?: Uint8Array;
  /** SHA-256 (hex) of the TLS client certificate, when the connection presented one. */
  readonly clientCertSha256?: string;
  /**
   * The client connection the request came on (the gateway passes its socket): the SHA-256 of the
   * last key accepted on it is remembered, so a client repeating its key over keep-alive is not
   * hashed again (see `verifyKeyOn`).
   */
  readonly connection?: object;
}

/** What the caller of `authenticate()` requires of every credential. */
export interface AuthContext {
  readonly environment?: Environment;
  readonly appId?: string;
  /**
   * Do not spend a metered key's credits here: the gateway and the middleware spend them only after
   * the access map and rate limits allowed the call (and by the resource's cost), so a refused call
   * costs nothing.
   */
  readonly deferCredits?: boolean;
}

/** A verifier that answers with a Caller or a coded "no". Sessions, tokens and signatures plug in here. */
export type SchemeVerifier<T> = (value: T, context: AuthContext) => Promise<CallerResult>;

export interface CredentialVerifiers {
  readonly keys: KeyVerifier;
  readonly sessions?: SchemeVerifier<string>;
  readonly tokens?: SchemeVerifier<string>;
  readonly signatures?: SchemeVerifier<AuthRequest>;
  /** End users' tokens from an app's own identity provider (oidc/scheme.ts). */
  readonly oidc?: SchemeVerifier<ExternalToken>;
  /**
   * Keys found in a request URL (plaintexts, possibly not real keys): marks each real one exposed,
   * audits where, and revokes it when its app says so. Every path that refuses a key in a URL calls
   * this, so none of them can refuse without flagging.
   */
  readonly reportKeysInUrl?: (keys: readonly string[], seen: { readonly where: string; readonly requestId: string }) => Promise<void>;
  /**
   * Every authentication outcome of the pipeline (gateway and middleware), for anomaly detection
   * (anomaly/service.ts). Synchronous and cheap: it must never slow or fail a request.
   */
  readonly observe?: (o: Observation) => void;
}

/**
 * The app an external identity provider's token is for, when the verifier is not scoped to one
 * app already (the gateway's `--app`, the verify API's app): whose providers to check it against.
 */
export const APP_HEADER = 'x-keyward-app';
const APP_ID = /^app_[0-9A-Za-z]{22}$/;

/** Subject a publishable key acts for: presented by the app in this header. */
export const SUBJECT_HEADER = 'x-keyward-subject';

export const BEARER_KEY_KINDS: readonly KeyKind[] = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device'];

const no = (code: DenyCode, reason: string): CallerResult => ({ valid: false, code, reason });

/**
 * Authenticates whatever credential a request carries, by one set of rules:
 *  - exactly one bearer credential (Authorization or X-Api-Key), chosen by its form: `kw_ss_…` a
 *    session, `eyJ…` a token (Keyward's, by its `jwk_…` kid, else the app's identity provider's,
 *    see oidc/scheme.ts), any other `kw_…` a key;
 *  - and/or an RFC 9421 signature. A signature that is present is always verified: if it fails the
 *    request fails, it is never ignored in favour of the bearer credential (no stripping or
 *    downgrade). When both are present they must name the same app and environment.
 * Root and refresh tokens are never accepted here.
 *
 * Synchronous when the answer needs no I/O (a cached key, no signature): see lib/maybe-promise.ts.
 */
export function authenticate(req: AuthRequest, verifiers: CredentialVerifiers, context: AuthContext = {}): MaybePromise<CallerResult> {
  const p = presented(req.headers);
  if (p.type === 'none') return no('CREDENTIAL_MISSING', 'NONE');
  if (p.type === 'ambiguous') return no('INVALID_CREDENTIAL', 'AMBIGUOUS');
  if (p.type === 'malformed') return no('INVALID_CREDENTIAL', 'MALFORMED_AUTHORIZATION');
  const hasSignature = req.headers['signature-input'] !== undefined || req.headers.signature !== undefined;
  if (p.type === 'signature') return withSignature(req, verifiers, context, undefined);
  const bearer = verifyBearer(p.value, req, verifiers, context);
  // Without a signature the bearer credential's answer is the answer (synchronous for a cached key).
  if (!hasSignature) return bearer;
  if (bearer instanceof Promise) return bearer.then((b) => (b.valid ? withSignature(req, verifiers, context, b) : b));
  return bearer.valid ? withSignature(req, verifiers, context, bearer) : bearer;
}

/** A present signature is always verified; with a valid bearer credential both must name one app and environment. */
async function withSignature(req: AuthRequest, verifiers: CredentialVerifiers, context: AuthContext, bearer: Extract<CallerResult, { valid: true }> | undefined): Promise<CallerResult> {
  if (!verifiers.signatures) return no('SIGNATURE_INVALID', 'SIGNATURES_NOT_CONFIGURED');
  const signed = await verifiers.signatures(req, context);
  if (!signed.valid) return signed;
  if (bearer === undefined) return signed;
  const a = bearer.caller;
  const s = signed.caller;
  if (a.appId !== s.appId || a.environment !== s.environment) return no('INVALID_CREDENTIAL', 'SIGNATURE_OTHER_APP');
  // The bearer credential says who acts (a user's session, a key); the signature proves which
  // signing credential or device sent this exact request.
  return { valid: true, code: 'VALID', caller: { ...a, signed: true, signedBy: s.id } };
}

function verifyBearer(value: string, req: AuthRequest, v: CredentialVerifiers, context: AuthContext): MaybePromise<CallerResult> {
  if (looksLikeJwt(value)) {
    if (v.oidc !== undefined && !isKeywardJwt(value)) {
      const app = req.headers[APP_HEADER];
      if (app === undefined) return v.oidc({ token: value }, context);
      return typeof app === 'string' && APP_ID.test(app) ? v.oidc({ token: value, appId: app }, context) : no('TOKEN_INVALID', 'BAD_APP_HEADER');
    }
    return v.tokens ? v.tokens(value, context) : no('TOKEN_INVALID', 'TOKENS_NOT_CONFIGURED');
  }
  if (value.startsWith('kw_ss_')) return v.sessions ? v.sessions(value, context) : no('INVALID_CREDENTIAL', 'SESSIONS_NOT_CONFIGURED');
  const subjectHeader = req.headers[SUBJECT_HEADER];
  const subject = typeof subjectHeader === 'string' && subjectHeader.length > 0 && subjectHeader.length <= 256 ? subjectHeader : undefined;
  // Built by assignment, not conditional spreads: this is the per-request hot path.
  const requirements: Mutable<VerifyRequirements> = { kinds: BEARER_KEY_KINDS, ip: req.clientIp };
  if (context.environment) requirements.environment = context.environment;
  if (context.appId) requirements.appId = context.appId;
  if (subject !== undefined) requirements.subject = subject;
  if (req.clientCertSha256) requirements.clientCertSha256 = req.clientCertSha256;
  if (context.deferCredits) requirements.deferCredits = true;
  const d = verifyKeyOn(v.keys, value, requirements, req.connection);
  return d instanceof Promise ? d.then((decided) => keyResult(decided, context)) : keyResult(d, context);
}

/** A key verification's decision as the caller it proves (or its refusal). */
function keyResult(d: KeyDecision, context: AuthContext): CallerResult {
  if (!d.valid) {
    if (d.retryAfterMs === undefined) return no(d.code, d.reason);
    return d.policies ? { valid: false, code: d.code, reason: d.reason, retryAfterMs: d.retryAfterMs, policies: d.policies } : { valid: false, code: d.code, reason: d.reason, retryAfterMs: d.retryAfterMs };
  }
  const k = d.key;
  const caller: Caller = keyCaller(k, d.subject, d.scopes);
  if (d.policies === undefined && !(context.deferCredits && isMetered(k))) return { valid: true, code: 'VALID', caller };
  // Budgets the gateway and middlewares report (and, for credits, spend) after the access map.
  const budgeted: Mutable<Caller> = { ...caller };
  if (d.policies) budgeted.limitPolicies = d.policies;
  if (context.deferCredits && isMetered(k)) {
    budgeted.meteredKey = true;
    if (k.credits) budgeted.credits = k.credits;
  }
  return { valid: true, code: 'VALID', caller: budgeted };
}

/**
 * The key each connection last presented and had accepted, with its SHA-256, as the HTTP layer
 * keeps it for operators (http/auth.ts; docs/threat-model.md): an app repeats its key on every
 * request of a keep-alive connection, and hashing it each time was a measurable share of the
 * gateway's decision. Only the hash is skipped: the verifier still looks the digest up and makes
 * its whole decision on every request, so a revocation applies to the next one. The match is
 * constant-time (behind a proxy one connection can carry several clients' requests); only accepted
 * keys are remembered, one per connection, and the entry goes with the socket.
 */
const lastKey = new WeakMap<object, { readonly presented: string; readonly hash: string }>();

function verifyKeyOn(keys: KeyVerifier, presented: string, requirements: VerifyRequirements, connection: object | undefined): KeyDecision | Promise<KeyDecision> {
  if (connection === undefined) return keys.verify(presented, requirements);
  const known = lastKey.get(connection);
  if (known !== undefined && known.presented.length === presented.length && digestsEqual(known.presented, presented)) return keys.verifyDigest(known.hash, requirements);
  const hash = keys.digest(presented);
  if (typeof hash !== 'string') return hash;
  const decision = keys.verifyDigest(hash, requirements);
  const remember = (d: KeyDecision): KeyDecision => {
    if (d.valid) lastKey.set(connection, { presented, hash });
    return d;
  };
  return decision instanceof Promise ? decision.then(remember) : remember(decision);
}
