import type { AuditDraft } from '../audit/model.js';

export type JwtAlgorithm = 'EdDSA' | 'ES256';

/** A Keyward-managed JWT signing key. Exactly one algorithm per kid, fixed at creation. */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly publicJwk: Readonly<Record<string, string>>;
  /** The private JWK, AES-256-GCM sealed (associated data `jwk:<kid>`). */
  readonly sealedPrivateJwk: string;
  /** `active` signs and verifies; `published` only verifies (in JWKS); `retired` is gone from JWKS. */
  readonly state: 'active' | 'published' | 'retired';
  readonly createdAtMs: number;
  /** For `published` keys: when they may be retired (no token signed by them is still alive). */
  readonly retireAfterMs: number | null;
}

/**
 * Token persistence. `consumeJti` MUST be atomic: an INSERT on the jti primary key, so of any
 * number of concurrent presentations exactly one gets `consumed`. `rotate` MUST demote the active
 * key and insert the new one in one transaction, so there is never zero or two active keys per
 * algorithm.
 */
export interface TokenStore {
  listSigningKeys(): Promise<readonly SigningKeyRecord[]>;
  rotateSigningKey(next: SigningKeyRecord, retireAfterMs: number, audit: AuditDraft): Promise<void>;
  retireSigningKeys(nowMs: number): Promise<number>;
  consumeJti(jti: string, expiresAtMs: number, nowMs: number): Promise<'consumed' | 'already_used'>;
  pruneJtis(nowMs: number): Promise<number>;
}
