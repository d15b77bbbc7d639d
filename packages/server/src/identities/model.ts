import type { KeyCredits } from '../keys/credits.js';
import type { KeyRateLimit } from '../keys/model.js';

/**
 * An identity (Unkey's term): the customer or end user behind several keys of one app. Its
 * metadata is shared by every key, and its rate limit and credits are spent together by all of
 * them: a customer with three keys gets one budget, not three.
 */
export interface Identity {
  readonly id: string;
  readonly appId: string;
  /** Your id for the customer or user (unique within the app), e.g. a user id or an org slug. */
  readonly externalId: string;
  readonly meta: Readonly<Record<string, unknown>>;
  /** One GCRA limit shared by every key of the identity, checked after each key's own limit. */
  readonly ratelimit: KeyRateLimit | null;
  /** One balance shared by every key of the identity, spent in the same atomic step as the key's own. */
  readonly credits: KeyCredits | null;
  /** The balance when this record was read. */
  readonly creditsRemaining: number | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly version: number;
}

/** What a verification carries of a key's identity (looked up with the key, cached with it). */
export interface KeyIdentity {
  readonly id: string;
  readonly externalId: string;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly ratelimit: KeyRateLimit | null;
  /** Whether the identity has credits: the store spends them with the key's. */
  readonly metered: boolean;
}

export interface IdentityPatch {
  readonly externalId?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly ratelimit?: KeyRateLimit | null;
  /** Setting credits (re)starts the shared balance at `amount`; null removes it. */
  readonly credits?: KeyCredits | null;
}

export const IDENTITY_LIMITS = { externalIdMaxChars: 256 } as const;
