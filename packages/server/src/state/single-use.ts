/**
 * Things that must be used once across every node: attestation challenges, and anything else a
 * replay on another node must not reuse. One interface, with a memory implementation (one
 * process), an SQL one (SQLite and PostgreSQL: the store is shared by every node) and a Redis one
 * (`KEYWARD_REDIS_URL`). Every implementation passes test/state/single-use-conformance.ts.
 *
 * Contract:
 *  - `take` is atomic get-and-delete: of any number of concurrent takes of one key, exactly one
 *    gets the value; the others, and every later take, get `undefined`.
 *  - An entry older than its `ttlMs` is gone (`take` answers `undefined`), measured on the clock
 *    the implementation was built with.
 *  - `put` of an existing live key replaces it (callers use random keys; no caller relies on it).
 *  - A broken backend throws (the caller fails closed with 503); "no such key" is a value.
 */
export interface SingleUseStore {
  put(key: string, value: string, ttlMs: number): Promise<void>;
  take(key: string): Promise<string | undefined>;
}

/** One process only (tests, `:memory:` stores). Bounded: the oldest entry goes first when full. */
export class MemorySingleUseStore implements SingleUseStore {
  private readonly entries = new Map<string, { value: string; expiresAtMs: number }>();

  constructor(private readonly options: { readonly now: () => number; readonly maxEntries?: number } = { now: Date.now }) {}

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const now = this.options.now();
    this.entries.delete(key);
    if (this.entries.size >= (this.options.maxEntries ?? 100_000)) {
      for (const [k, e] of this.entries) if (e.expiresAtMs <= now) this.entries.delete(k);
      const oldest = this.entries.keys().next();
      if (this.entries.size >= (this.options.maxEntries ?? 100_000) && !oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAtMs: now + ttlMs });
  }

  async take(key: string): Promise<string | undefined> {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    return e.expiresAtMs > this.options.now() ? e.value : undefined;
  }
}
