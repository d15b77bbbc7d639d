/**
 * The closed catalogue of every code Keyward answers with.
 *
 * Why one file: callers `switch` on `code`, dashboards alert on it, and docs/errors.md is checked
 * against it by a test, so a code cannot appear in one place and not the others. Message text is
 * for humans and may change; codes never change meaning.
 *
 * `status` is the HTTP status used when the code is served as RFC 9457 problem+json. Verification
 * outcomes (`kind: 'verify'`) are also returned as values with HTTP 200 by the verify endpoint.
 */
export interface CodeSpec {
  readonly status: number;
  readonly title: string;
  /** verify: an answer about a credential; request: the caller sent something wrong; server: we broke; cli: the `keyward` command was set up wrong (exit code 2, never served over HTTP). */
  readonly kind: 'verify' | 'request' | 'server' | 'cli';
}

export const CATALOGUE = {
  // ---- verification outcomes --------------------------------------------------------------
  VALID: { status: 200, title: 'The credential is valid for this request', kind: 'verify' },
  INVALID_CREDENTIAL: { status: 401, title: 'The credential is not valid', kind: 'verify' },
  CREDENTIAL_MISSING: { status: 401, title: 'No credential was presented', kind: 'verify' },
  CREDENTIAL_EXPIRED: { status: 401, title: 'The credential has expired', kind: 'verify' },
  CREDENTIAL_DISABLED: { status: 401, title: 'The credential is disabled', kind: 'verify' },
  KIND_NOT_ALLOWED: { status: 403, title: 'This kind of credential may not make this call', kind: 'verify' },
  SUBJECT_REQUIRED: { status: 403, title: 'This credential must name the subject it acts for', kind: 'verify' },
  SUBJECT_MISMATCH: { status: 403, title: 'The credential may not act for this subject', kind: 'verify' },
  INSUFFICIENT_SCOPES: { status: 403, title: 'The credential lacks a required scope', kind: 'verify' },
  IP_NOT_ALLOWED: { status: 403, title: 'The caller address is not on the credential allow-list', kind: 'verify' },
  CLIENT_CERT_MISMATCH: { status: 403, title: 'The client certificate does not match the credential', kind: 'verify' },
  ACCESS_DENIED: { status: 403, title: 'No rule of the access map allows this call', kind: 'verify' },
  RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', kind: 'verify' },
  USAGE_EXCEEDED: { status: 429, title: 'Quota or credits exhausted', kind: 'verify' },
  UPGRADE_REQUIRED: { status: 426, title: 'This app version is no longer supported', kind: 'verify' },
  SIGNATURE_REQUIRED: { status: 401, title: 'A request signature is required', kind: 'verify' },
  SIGNATURE_INVALID: { status: 401, title: 'The request signature is not valid', kind: 'verify' },
  SIGNATURE_EXPIRED: { status: 401, title: 'The request signature is outside its validity window', kind: 'verify' },
  SIGNATURE_REPLAYED: { status: 401, title: 'The request signature was already used', kind: 'verify' },
  SIGNATURE_COVERAGE: { status: 401, title: 'The signature does not cover the required components', kind: 'verify' },
  DIGEST_MISMATCH: { status: 401, title: 'The body does not match its Content-Digest', kind: 'verify' },
  TOKEN_INVALID: { status: 401, title: 'The token is not valid', kind: 'verify' },
  TOKEN_EXPIRED: { status: 401, title: 'The token has expired', kind: 'verify' },
  TOKEN_ALREADY_USED: { status: 401, title: 'The single-use token was already used', kind: 'verify' },
  SESSION_EXPIRED: { status: 401, title: 'The session has expired', kind: 'verify' },
  REFRESH_REUSED: { status: 401, title: 'A spent refresh token was presented; the session family is revoked', kind: 'verify' },
  LOGIN_FAILED: { status: 401, title: 'The subject or password is wrong', kind: 'verify' },
  LOGIN_THROTTLED: { status: 429, title: 'Too many failed logins for this account', kind: 'verify' },
  ATTESTATION_REQUIRED: { status: 401, title: 'An attested app token is required', kind: 'verify' },
  ATTESTATION_FAILED: { status: 401, title: 'The app attestation could not be verified', kind: 'verify' },
  IDP_UNAVAILABLE: { status: 503, title: "The app's identity provider could not be reached for its signing keys", kind: 'verify' },
  // app attestation (attestation/): each failure path has its own code, so metrics tell them apart
  ATTESTATION_CHALLENGE_INVALID: { status: 401, title: 'The attestation challenge is unknown, expired or already used', kind: 'verify' },
  ATTESTATION_WRONG_APP: { status: 401, title: 'The attestation is for another app, team, bundle or package', kind: 'verify' },
  ATTESTATION_WRONG_ENVIRONMENT: { status: 401, title: 'The attestation is for another environment (development against production)', kind: 'verify' },
  ATTESTATION_UNSUPPORTED: { status: 401, title: 'The device or its attestation format or algorithm is not supported', kind: 'verify' },
  ATTESTATION_CLOCK_SKEW: { status: 401, title: 'The attestation is not valid at this time (check the device clock)', kind: 'verify' },
  ATTESTATION_REVOKED: { status: 401, title: 'A certificate of the attestation chain is revoked', kind: 'verify' },
  ATTESTATION_INTEGRITY: { status: 401, title: 'The platform verdict does not meet the app policy (integrity level, boot state, recognition)', kind: 'verify' },
  ATTESTATION_QUOTA: { status: 429, title: 'Too many attestations for this app or instance; try again later', kind: 'verify' },
  ATTESTATION_INSTANCE_UNKNOWN: { status: 401, title: 'The app instance is not registered (after a device restore, attest again)', kind: 'verify' },
  REATTESTATION_REQUIRED: { status: 401, title: 'The app instance must attest again', kind: 'verify' },
  ASSERTION_REQUIRED: { status: 401, title: 'A per-request assertion by the attested key is required', kind: 'verify' },
  ASSERTION_INVALID: { status: 401, title: 'The assertion does not verify', kind: 'verify' },
  ASSERTION_COUNTER_REPLAYED: { status: 401, title: "The assertion's counter did not increase", kind: 'verify' },
  DEBUG_TOKEN_NOT_ALLOWED: { status: 403, title: 'Debug attestation tokens are accepted only in the test environment', kind: 'verify' },

  // ---- the caller sent something wrong ------------------------------------------------------
  MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON', kind: 'request' },
  VALIDATION_FAILED: { status: 400, title: 'The request does not match the schema', kind: 'request' },
  INVALID_ID: { status: 400, title: 'An identifier is malformed', kind: 'request' },
  KEY_MALFORMED: { status: 400, title: 'The key is malformed or fails its checksum', kind: 'request' },
  KEY_IN_URL: { status: 400, title: 'Credentials must never be sent in a URL', kind: 'request' },
  AMBIGUOUS_CREDENTIALS: { status: 400, title: 'More than one credential was presented', kind: 'request' },
  UNAUTHORIZED: { status: 401, title: 'Authentication is required', kind: 'request' },
  FORBIDDEN: { status: 403, title: 'The credential may not perform this operation', kind: 'request' },
  NOT_FOUND: { status: 404, title: 'The resource does not exist', kind: 'request' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route', kind: 'request' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', kind: 'request' },
  CONFLICT: { status: 409, title: 'The resource changed or is in a state that forbids this', kind: 'request' },
  INSUFFICIENT_PERMISSION: { status: 403, title: 'The root key lacks the permission or app this operation needs', kind: 'request' },
  APP_HAS_CREDENTIALS: { status: 409, title: 'The app still has live keys, sessions or devices: revoke them first, or delete with force', kind: 'request' },
  LAST_ROOT_KEY: { status: 409, title: 'This would leave no root key with full power; create another one first', kind: 'request' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is too large', kind: 'request' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type', kind: 'request' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large', kind: 'request' },
  BAD_REQUEST: { status: 400, title: 'The request is malformed', kind: 'request' },
  PATH_NOT_CANONICAL: { status: 400, title: 'The path uses dot segments, path parameters, encoded slashes or other forms servers resolve differently', kind: 'request' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request headers or body arrived too slowly', kind: 'request' },
  TOO_MANY_IN_FLIGHT: { status: 429, title: 'Too many requests in flight for this client address or credential', kind: 'request' },
  // Never sent (the client is gone): the gateway's log and metrics record it, as nginx's 499.
  CLIENT_CLOSED_REQUEST: { status: 499, title: 'The client closed the connection before the answer; nothing more was sent upstream for it', kind: 'request' },

  // ---- leak reports (POST /v1/leaks): refused before the body is parsed, nothing revoked ------
  LEAK_REPORT_UNSIGNED: { status: 401, title: 'The leak report lacks its Github-Public-Key-Identifier or Github-Public-Key-Signature header', kind: 'request' },
  LEAK_REPORT_KEY_UNKNOWN: { status: 401, title: 'The leak report is signed with a public key this server does not know', kind: 'request' },
  LEAK_REPORT_SIGNATURE_INVALID: { status: 401, title: 'The leak report signature does not verify over the body', kind: 'request' },
  LEAK_REPORTS_DISABLED: { status: 404, title: 'Leak reports are not configured on this server (no reporter public keys)', kind: 'request' },

  // ---- we or a dependency broke -------------------------------------------------------------
  INTERNAL: { status: 500, title: 'Internal error', kind: 'server' },
  AUDIT_UNAVAILABLE: { status: 503, title: 'The audit log could not record the change, so it was not made', kind: 'server' },
  STORE_UNAVAILABLE: { status: 503, title: 'The store is unavailable', kind: 'server' },
  NOT_READY: { status: 503, title: 'Not ready', kind: 'server' },
  SECRET_NOT_SET: { status: 503, title: 'A server-held secret this route injects is not set', kind: 'server' },
  SHARED_STATE_UNAVAILABLE: { status: 503, title: 'The shared state store (Redis) is unavailable, so single-use checks fail closed', kind: 'server' },
  UPSTREAM_UNAVAILABLE: { status: 502, title: 'The upstream API could not be reached', kind: 'server' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'The upstream API did not answer in time', kind: 'server' },

  // ---- the command line was set up wrong (exit code 2; `status` is not used) -----------------
  CONFIG_INVALID: { status: 400, title: 'A flag, variable or config file value is invalid', kind: 'cli' },
  POLICY_INVALID: { status: 400, title: 'The access map is invalid', kind: 'cli' },
  STORE_NOT_FOUND: { status: 404, title: 'No Keyward store at the data directory (run `keyward init` or check --data)', kind: 'cli' },
  ADDRESS_IN_USE: { status: 409, title: 'Another process already listens on this address and port', kind: 'cli' },
  // obfuscation helper (keyward obfuscate): deny by default, a key in an app is public
  KEY_NOT_PUBLISHABLE: { status: 400, title: 'Only a publishable key may be built into an app; secret, root and other keys stay on the server', kind: 'cli' },
  // moving a store (`keyward store copy`, ops/store-copy.ts)
  STORE_TARGET_NOT_EMPTY: { status: 409, title: 'The target store already holds data; copy only into a new, empty store', kind: 'cli' },
  STORE_COPY_INCOMPLETE: { status: 500, title: 'The copy did not match its source and was rolled back; the target is unchanged', kind: 'cli' },

  // `keyward scan` (scan/): the command line pointed the scanner at something it cannot use
  SCAN_INPUT_INVALID: { status: 400, title: 'A path, git repository or baseline given to `keyward scan` cannot be used', kind: 'cli' },
  SCAN_RULES_INVALID: { status: 400, title: 'A `--rules` file is not a valid gitleaks rule file', kind: 'cli' },
  SCAN_HOOK_EXISTS: { status: 409, title: 'A pre-commit hook that Keyward did not write is already installed (use --force)', kind: 'cli' },
} as const satisfies Record<string, CodeSpec>;

export type Code = keyof typeof CATALOGUE;
export type VerifyCode = { [K in Code]: (typeof CATALOGUE)[K]['kind'] extends 'verify' ? K : never }[Code];
/** Codes that mean "no" for a credential. */
export type DenyCode = Exclude<VerifyCode, 'VALID'>;

export const ALL_CODES = /* @__PURE__ */ Object.keys(CATALOGUE) as Code[];

/**
 * Codes in the catalogue that nothing answers with yet, each with the feature that will. A test
 * fails for a code that is neither answered somewhere in the source nor listed here, and for a
 * listed code that has become reachable, so this list cannot go stale.
 */
export const RESERVED_CODES: Partial<Record<Code, string>> = {
};

export function isCode(value: string): value is Code {
  return Object.hasOwn(CATALOGUE, value);
}

/**
 * The problem+json `type`: a stable URN per code. docs/errors.md has an anchor with the same
 * suffix (`#invalid-credential`), so a deployment can map the URN to wherever it hosts the docs.
 */
export function docsUrl(code: Code): string {
  return `urn:keyward:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}
