/**
 * The replay cache for signature nonces.
 *
 * Contract every implementation MUST keep:
 *  - `checkAndRemember` is atomic: of any number of concurrent calls with the same (keyId, nonce),
 *    exactly one answers `fresh` (a single Lua script on Redis; single-threaded JS in memory).
 *  - Callers write only after the signature verified, so an attacker cannot fill the cache with
 *    unsigned junk.
 *  - An entry is kept until `expiresAtMs` (the signature's window plus skew), then forgotten.
 *  - At most `maxPerKey` live entries per key: a full key answers `over_capacity` rather than
 *    forgetting a live nonce (forgetting would re-open a replay window).
 */
export type NonceOutcome = 'fresh' | 'replayed' | 'over_capacity';

export interface NonceStore {
  /** A plain value from stores that answer in memory (no microtask hop on the hot path), a promise from remote ones. */
  checkAndRemember(keyId: string, nonce: string, expiresAtMs: number): NonceOutcome | Promise<NonceOutcome>;
}

export class MemoryNonceStore implements NonceStore {
  private readonly byKey = new Map<string, Map<string, number>>();
  private lastSweepMs = 0;

  constructor(
    private readonly options: { readonly maxPerKey: number; readonly now: () => number; readonly sweepIntervalMs?: number } = { maxPerKey: 100_000, now: Date.now },
  ) {}

  checkAndRemember(keyId: string, nonce: string, expiresAtMs: number): NonceOutcome {
    const now = this.options.now();
    if (now - this.lastSweepMs > (this.options.sweepIntervalMs ?? 10_000)) this.sweep(now);
    let nonces = this.byKey.get(keyId);
    if (!nonces) this.byKey.set(keyId, (nonces = new Map()));
    const seenUntil = nonces.get(nonce);
    if (seenUntil !== undefined && seenUntil > now) return 'replayed';
    if (nonces.size >= this.options.maxPerKey) {
      for (const [n, until] of nonces) if (until <= now) nonces.delete(n);
      if (nonces.size >= this.options.maxPerKey) return 'over_capacity';
    }
    nonces.set(nonce, expiresAtMs);
    return 'fresh';
  }

  private sweep(now: number): void {
    this.lastSweepMs = now;
    for (const [keyId, nonces] of this.byKey) {
      for (const [n, until] of nonces) if (until <= now) nonces.delete(n);
      if (nonces.size === 0) this.byKey.delete(keyId);
    }
  }
}
