import type { AuditDraft } from '../audit/model.js';

/** The JWS algorithms Keyward signs with. Ed25519 by default; ES256 for clients without EdDSA. */
export type JwtAlgorithm = 'EdDSA' | 'ES256';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['EdDSA', 'ES256'];

/**
 * The life of a signing key ("publish first, then sign"):
 *  - `pending`: published (in the JWKS, verifies) but not signing until `activatesAtMs`, so
 *    verifiers that cache the JWKS have fetched it before any token names its kid. At most one
 *    per algorithm.
 *  - `active`: the signer of its algorithm (at most one per algorithm in the store). A pending key
 *    whose time has come signs even before the store records it as active: see `signingKeyFor`.
 *  - `published`: verifies only, and stays in the JWKS until `retireAfterMs`.
 *  - `retired`: gone from the JWKS; verifies nothing.
 */
export type SigningKeyState = 'pending' | 'active' | 'published' | 'retired';

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
  /**
   * The instant (ms since the epoch) from which the key signs. Equal to `createdAtMs` for a key
   * that signed at once (the first key of an algorithm, an immediate rotation); later for a
   * `pending` key. Never changes after creation.
   */
  readonly activatesAtMs: number;
  /** For `published` keys: the instant (ms) after which no token it signed can still be accepted. */
  readonly retireAfterMs: number | null;
}

/**
 * A revoked token id. Tokens are not stored, so a revocation names the jti together with the app
 * and environment it is for: it refuses only a token of that jti whose `kw_app`/`kw_env` claims
 * match, so one app's key cannot revoke another app's tokens.
 */
export interface RevokedToken {
  readonly jti: string;
  readonly appId: string;
  readonly environment: string;
  readonly reason: string | null;
  /** Milliseconds since the epoch. */
  readonly revokedAtMs: number;
  /** When the row may be pruned (ms): no token of this jti can still be accepted after it. */
  readonly expiresAtMs: number;
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
 *  - Never more than one `active` key, and never more than one `pending` key, per algorithm, even
 *    under concurrent rotations and activations on several nodes (enforced by the database, e.g.
 *    partial unique indexes, not by a read-then-write).
 *  - State changes are guarded updates (`… WHERE state = 'pending' …`), so of several nodes
 *    racing to make the same change, exactly one makes it (and audits it).
 */
export interface TokenStore {
  /** Every key not `retired`, oldest first. Includes sealed private keys (they never leave the process unsealed). */
  listSigningKeys(): Promise<readonly SigningKeyRecord[]>;
  /** Every key, `retired` ones too, in kid order after `afterKid`, at most `limit`: master-key rotation walks them. */
  listAllSigningKeys(afterKid: string | undefined, limit: number): Promise<readonly SigningKeyRecord[]>;
  /**
   * Replaces a key's sealed private key with the same key sealed under another master key,
   * guarded on the value it replaces (`conflict` when it changed meanwhile, `not_found` when the
   * kid is unknown); atomic with its audit record.
   */
  resealSigningKey(kid: string, from: string, to: string, nowMs: number, audit: AuditDraft): Promise<'ok' | 'conflict' | 'not_found'>;
  /**
   * Immediate rotation: makes `next` (state `active`, `activatesAtMs === createdAtMs`) the signing
   * key for `next.alg`, in one transaction: demotes every `active` AND `pending` key of that
   * algorithm to `published` with `retire_after_ms = retireAfterMs` (a pending key is demoted too,
   * so nothing scheduled replaces an emergency key later), inserts `next`, and appends `audit` (its
   * `data` gains `demoted: [kid…]`). A concurrent rotation for the same algorithm either serialises
   * after this one or fails and changes nothing. Returns the demoted kids.
   */
  rotateSigningKey(next: SigningKeyRecord, retireAfterMs: number, audit: AuditDraft): Promise<readonly string[]>;
  /**
   * Scheduled rotation, first step: inserts `next` (state `pending`, `activatesAtMs` in the
   * future) and appends `audit`, in one transaction, unless `next.alg` already has a pending key:
   * then it changes nothing and answers `pending_exists`. One atomic INSERT on the one-pending-
   * per-algorithm constraint, never check-then-insert: of concurrent calls for one algorithm
   * exactly one answers `published`.
   */
  publishSigningKey(next: SigningKeyRecord, audit: AuditDraft): Promise<'published' | 'pending_exists'>;
  /**
   * Scheduled rotation, second step: for each algorithm with a `pending` key whose
   * `activatesAtMs <= nowMs`, in one transaction: demotes that algorithm's `active` key to
   * `published` with `retire_after_ms = <the pending key's activatesAtMs> + overlapMs`, makes the
   * pending key `active`, and appends one `signing_key.activate` audit record (target the promoted
   * kid, `data: {alg, demoted: [kid…]}`). Guarded updates only: idempotent, and of concurrent
   * callers each key is promoted (and audited) once. Recording this is bookkeeping: signers
   * already switched at `activatesAtMs` (see `signingKeyFor`). Returns the kids promoted.
   */
  activateSigningKeys(nowMs: number, overlapMs: number, by: Pick<AuditDraft, 'actor' | 'requestId'>): Promise<readonly string[]>;
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
  /**
   * Revokes a token id in one app and environment: one INSERT on the (jti, app, environment)
   * primary key and its audit record, in one transaction (and, through a trigger, the change-log
   * row that tells every process). Revoking again changes nothing, is not audited again, and
   * answers `already_revoked` with the existing row.
   */
  revokeToken(revocation: RevokedToken, audit: AuditDraft): Promise<{ readonly outcome: 'revoked' | 'already_revoked'; readonly revocation: RevokedToken }>;
  /** The revocations of one jti (one per app and environment that revoked it; expired rows until pruned). */
  getRevokedTokens(jti: string): Promise<readonly RevokedToken[]>;
  /** Every revocation with `expiresAtMs > nowMs`. Bounded by the longest token TTL: tokens are short-lived. */
  listRevokedTokens(nowMs: number): Promise<readonly RevokedToken[]>;
  /** Deletes revocations with `expiresAtMs <= nowMs`. Returns how many. */
  pruneRevokedTokens(nowMs: number): Promise<number>;
}
