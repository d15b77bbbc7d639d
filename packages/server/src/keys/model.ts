import type { Environment, KeyKind } from '@keyward/protocol';
import type { KeyCredits } from './credits.js';
import type { KeyIdentity } from '../identities/model.js';

export type { Environment, KeyKind };

/**
 * A credential's stored record. The secret itself is never stored: see {@link KeySecret}.
 * Every field is non-secret and may be listed by operators.
 */
export interface KeyRecord {
  readonly id: string;
  /** Null only for root keys, which belong to the operator rather than an app. */
  readonly appId: string | null;
  readonly environment: Environment | null;
  readonly kind: KeyKind;
  readonly name: string;
  /** Explicit scopes. Secret keys are implicitly `*`; see keys/scopes.ts. */
  readonly scopes: readonly string[];
  /** When set, the key may act only for this subject (user or device id). */
  readonly subject: string | null;
  readonly meta: Readonly<Record<string, unknown>>;
  /** Empty means any address. Entries are IPs or CIDRs, IPv4 or IPv6. */
  readonly ipAllowList: readonly string[];
  /**
   * Secret and restricted keys only: the SHA-256 fingerprint (hex) of the client certificate the
   * caller must present over mutual TLS. A leaked key is then useless without the private key of
   * that certificate.
   */
  readonly clientCertSha256?: string | null;
  /** A rate limit carried by the key itself (GCRA), checked at every verification. */
  readonly ratelimit?: KeyRateLimit | null;
  /** Credits spent by verifications (keys/credits.ts). Null: unmetered. */
  readonly credits?: KeyCredits | null;
  /** The balance when this record was read; verification spends through the store, never from here. */
  readonly creditsRemaining?: number | null;
  readonly enabled: boolean;
  readonly expiresAtMs: number | null;
  readonly revokedAtMs: number | null;
  readonly revokedReason: string | null;
  /** Set when the key was seen somewhere public (a URL, a leak report). */
  readonly exposedAtMs: number | null;
  /** Display form of the newest secret, e.g. `kw_pk_live_Ab3x…`. */
  readonly start: string;
  readonly reissuedFromId: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly version: number;
  /** Approximate: flushed from memory in batches, so it may lag by the flush interval. */
  readonly usageCount: number;
  readonly lastUsedAtMs: number | null;
  /**
   * Root keys only: what the key may do on the admin API (rootkeys/permissions.ts). Missing or
   * empty: nothing. `["*"]`: everything.
   */
  readonly permissions?: readonly string[] | null;
  /** Root keys only: the apps the key may act on. Null or missing: every app. */
  readonly appIds?: readonly string[] | null;
  /** The identity (identities/) whose shared metadata, rate limit and credits this key uses. */
  readonly identityId?: string | null;
  /** Set by the verification lookup (`Store.findKeyByHash`) only: the identity, read with the key and cached with it. */
  readonly identity?: KeyIdentity | null;
}

/**
 * One hash of a key's secret. A key has one secret normally and two during a rotation's grace
 * period; both map to the same key id, which is how usage counters carry over.
 */
export interface KeyRateLimit {
  readonly rate: number;
  readonly windowSeconds: number;
  readonly burst: number;
}

export interface KeySecret {
  readonly hash: string;
  readonly keyId: string;
  readonly start: string;
  readonly createdAtMs: number;
  /** Set on the old secret when the key is rotated: the end of its grace period. */
  readonly expiresAtMs: number | null;
  /** Signing credentials only: the secret sealed under the master keyring (HMAC needs it). */
  readonly sealedSecret?: string | null;
}

/** Fields an operator may change after creation. */
export interface KeyPatch {
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly enabled?: boolean;
  readonly expiresAtMs?: number | null;
  readonly ipAllowList?: readonly string[];
  readonly subject?: string | null;
  readonly clientCertSha256?: string | null;
  readonly ratelimit?: KeyRateLimit | null;
  /** Setting credits (re)starts the balance at `amount`; null makes the key unmetered. */
  readonly credits?: KeyCredits | null;
  readonly revokedAtMs?: number;
  readonly revokedReason?: string;
  readonly exposedAtMs?: number;
  /** Root keys only. */
  readonly permissions?: readonly string[];
  /** Root keys only; null lifts the restriction. */
  readonly appIds?: readonly string[] | null;
  /** Null detaches the key from its identity. */
  readonly identityId?: string | null;
}
