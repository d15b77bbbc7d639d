import type { AuditDraft } from '../audit/model.js';

/** The JWS algorithms Keyward signs with. Ed25519 by default; ES256 for clients without EdDSA. */
export type JwtAlgorithm = 'EdDSA' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['EdDSA', 'ES256'];

/**
 * `active` signs and verifies (one per algorithm); `published` only verifies and stays in the JWKS
 * until `retireAfterMs`; `retired` is gone from the JWKS and verifies nothing.
 */
export type SigningKeyState = 'active' | 'published' | 'retired';

/** A Keyward-managed JWT signing key. Exactly one algorithm per kid, fixed at creation. */
export interface SigningKeyRecord {
  /** `jwk_…`; the JWS `kid`. */
  readonly kid: string;
  /** The only algorithm this key verifies with: never taken from a token's header. */
  readonly alg: JwtAlgorithm;
  /** Public JWK with `kid`, `alg` and `use: 'sig'`; exactly what the JWKS publishes. */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** The private JWK, AES-256-GCM sealed with the keyring (associated data `jwk:<kid>`). */
  readonly sealedPrivateJwk: string;
  readonly state: SigningKeyState;
  /** Milliseconds since the epoch. */
  readonly createdAtMs: number;
  /** For `published` keys: the instant (ms) after which no token it signed can still be accepted. */
  readonly retireAfterMs: number | null;
}

/**
 * Persistence for short-lived tokens. Every backend runs the same conformance suite
 * (test/tokens/token-store-conformance.ts).
 *
 * Rules every implementation MUST follow:
 *  - Times are integer milliseconds since the epoch.
 *  - A method that throws has changed nothing.
 *  - A method that takes an audit draft writes its change and the audit record in ONE
 *    transaction; if the audit record cannot be written, nothing changes and the method throws.
 *  - Never more than one `active` key per algorithm, even under concurrent rotations on several
 *    nodes (enforced by the database, e.g. a partial unique index, not by a read-then-write).
 */
export interface TokenStore {
  /** Every key not `retired`, oldest first. Includes sealed private keys (they never leave the process unsealed). */
  listSigningKeys(): Promise<readonly SigningKeyRecord[]>;
  /**
   * Makes `next` (state `active`) the signing key for `next.alg`, in one transaction: demotes the
   * current active key of that algorithm to `published` with `retire_after_ms = retireAfterMs`,
   * inserts `next`, and appends `audit` (its `data` gains `demoted: [kid…]`). A concurrent
   * rotation for the same algorithm either serialises after this one or fails and changes nothing.
   * Returns the demoted kids.
   */
  rotateSigningKey(next: SigningKeyRecord, retireAfterMs: number, audit: AuditDraft): Promise<readonly string[]>;
  /**
   * Retires every `published` key whose `retireAfterMs <= nowMs`: a guarded update (never a
   * read-then-write) plus one `signing_key.retire` audit record per key actually retired, in one
   * transaction. Idempotent; concurrent callers retire (and audit) each key once. Returns the kids
   * this call retired.
   */
  retireSigningKeys(nowMs: number, by: Pick<AuditDraft, 'actor' | 'requestId'>): Promise<readonly string[]>;
  /**
   * Records a single-use token id as spent. MUST be one atomic INSERT on the `jti` primary key:
   * of any number of concurrent calls with the same `jti` (on any node sharing the store) exactly
   * one gets `consumed`, every other `already_used`. Never read-then-write. `expiresAtMs` is when
   * the row may be pruned: it MUST be no earlier than the last instant the token can be accepted.
   */
  consumeJti(jti: string, expiresAtMs: number, nowMs: number): Promise<'consumed' | 'already_used'>;
  /** Deletes spent jtis with `expiresAtMs <= nowMs` (their tokens can no longer verify). Returns how many. */
  pruneJtis(nowMs: number): Promise<number>;
}
