import type { TokenClaims } from './claims.js';

/**
 * Verified reusable tokens, so a token presented again costs a map lookup instead of a
 * signature check. Rules that keep it safe:
 *  - keyed by the exact token string: a different string (even one decoding to the same bytes)
 *    is verified in full;
 *  - only successes are stored (a failure may be a store hiccup or a kid not yet loaded), and
 *    never single-use tokens (their second presentation must reach the store);
 *  - an entry ends at the token's `exp`, and the caller re-checks that its kid still verifies;
 *  - bounded: least recently used entries go first; `maxEntries: 0` disables the cache.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { readonly claims: TokenClaims; readonly untilMs: number }>();

  /**
   * @param maxEntries Entries kept at most (0 disables).
   * @param maxTokenLength Longer tokens are not cached (they carry large custom claims; bounding
   *   both keeps the cache's memory at maxEntries × maxTokenLength characters at worst).
   */
  constructor(
    readonly maxEntries: number,
    readonly maxTokenLength = 2048,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new TypeError('maxEntries must be a non-negative integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a cached token still before its expiry at `nowMs`; refreshes its recency. */
  get(token: string, nowMs: number): TokenClaims | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    this.entries.delete(token);
    if (hit.untilMs <= nowMs) return undefined;
    this.entries.set(token, hit);
    return hit.claims;
  }

  /** Stores a verified reusable token until `untilMs` (its exp). Ignored when disabled, too long, or already over. */
  set(token: string, claims: TokenClaims, untilMs: number, nowMs: number): void {
    if (this.maxEntries === 0 || token.length > this.maxTokenLength || untilMs <= nowMs || claims.singleUse) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { claims, untilMs });
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  clear(): void {
    this.entries.clear();
  }
}
