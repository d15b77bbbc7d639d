import type { KeyRecord, KeySecret } from '../keys/model.js';

export interface CachedKey {
  readonly key: KeyRecord;
  readonly secret: KeySecret;
}

export interface KeyCacheOptions {
  /** How long a found key is served from memory without a store read. */
  readonly ttlMs: number;
  /** How long an unknown hash is remembered as unknown (absorbs floods of random keys). */
  readonly negativeTtlMs: number;
  readonly maxEntries: number;
  readonly now: () => number;
}

export const DEFAULT_KEY_CACHE_OPTIONS: Omit<KeyCacheOptions, 'now'> = {
  ttlMs: 60_000,
  negativeTtlMs: 5_000,
  maxEntries: 100_000,
};

type Entry = { readonly value: CachedKey | null; readonly expiresAtMs: number };

/**
 * Read-through cache for verification, keyed by secret hash.
 *
 * Invalidation is explicit (revoke, disable, rotate, update) and by key id, so every hash of a key
 * goes at once. TTL is only a backstop: correctness comes from invalidation, which a multi-node
 * deployment broadcasts (cache/invalidation.ts).
 *
 * The fill race other systems suffer — a lookup that started before a revoke commits, finishes
 * after the invalidation, and puts the revoked key back — is closed by a generation counter: a
 * load that began before any invalidation does not populate the cache.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly hashesByKeyId = new Map<string, Set<string>>();
  private generation = 0;
  readonly stats = { hits: 0, misses: 0, negativeHits: 0, invalidations: 0 };

  constructor(private readonly options: KeyCacheOptions) {}

  /** `undefined`: not cached; `null`: cached as unknown; otherwise the record. */
  /** `nowMs`: the caller's clock reading, when it has one for this request already. */
  get(hash: string, nowMs?: number): CachedKey | null | undefined {
    const e = this.entries.get(hash);
    if (e === undefined) {
      this.stats.misses++;
      return undefined;
    }
    if (e.expiresAtMs <= (nowMs ?? this.options.now())) {
      this.forget(hash, e);
      this.stats.misses++;
      return undefined;
    }
    if (e.value === null) this.stats.negativeHits++;
    else this.stats.hits++;
    return e.value;
  }

  /** Token to pass to {@link set} — taken before the store read. */
  beginLoad(): number {
    return this.generation;
  }

  set(hash: string, value: CachedKey | null, loadGeneration: number): void {
    if (loadGeneration !== this.generation) return; // an invalidation happened during the load
    const previous = this.entries.get(hash);
    if (previous) this.forget(hash, previous);
    else if (this.entries.size >= this.options.maxEntries) this.evictOldest();
    const ttl = value === null ? this.options.negativeTtlMs : this.options.ttlMs;
    this.entries.set(hash, { value, expiresAtMs: this.options.now() + ttl });
    if (value) {
      let set = this.hashesByKeyId.get(value.key.id);
      if (!set) this.hashesByKeyId.set(value.key.id, (set = new Set()));
      set.add(hash);
    }
  }

  /** Drops every cached secret of a key, and any in-flight load. */
  invalidateKey(keyId: string): void {
    this.generation++;
    this.stats.invalidations++;
    const hashes = this.hashesByKeyId.get(keyId);
    if (hashes) for (const h of hashes) this.entries.delete(h);
    this.hashesByKeyId.delete(keyId);
  }

  /**
   * A key was revoked (another node said so, through the change feed): its cached secrets stay,
   * marked revoked as of `atMs`, so the next presentation is refused from memory, with no store
   * read on the way (under load that read was most of a revocation's latency on other nodes).
   * Safe because revocation is final: a revoked key never verifies again, so the mark can only
   * ever be right or early-refusing, never let anything through. In-flight loads are dropped as by
   * {@link invalidateKey}.
   */
  markRevoked(keyId: string, atMs: number): void {
    this.generation++;
    this.stats.invalidations++;
    const hashes = this.hashesByKeyId.get(keyId);
    if (!hashes) return;
    for (const h of hashes) {
      const e = this.entries.get(h);
      if (!e?.value) continue;
      const revokedAtMs = e.value.key.revokedAtMs !== null && e.value.key.revokedAtMs <= atMs ? e.value.key.revokedAtMs : atMs;
      this.entries.set(h, { value: { key: { ...e.value.key, revokedAtMs }, secret: e.value.secret }, expiresAtMs: e.expiresAtMs });
    }
  }

  /** Forgets a negative entry (a hash just created must not stay "unknown"). */
  invalidateHash(hash: string): void {
    this.generation++;
    const e = this.entries.get(hash);
    if (e) this.forget(hash, e);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.hashesByKeyId.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Key ids in the by-id index. Never more than {@link size}: an entry leaving the cache (evicted,
   * expired, replaced, invalidated) leaves the index too, so a store of 10^6 keys cycling through
   * a cache of 10^5 keeps the index at 10^5 ids rather than one empty set per key ever seen.
   */
  get indexedKeyIds(): number {
    return this.hashesByKeyId.size;
  }

  /** Removes one entry and its place in the by-id index (the key's set too, once empty). */
  private forget(hash: string, e: Entry): void {
    this.entries.delete(hash);
    if (!e.value) return;
    const set = this.hashesByKeyId.get(e.value.key.id);
    if (!set) return;
    set.delete(hash);
    if (set.size === 0) this.hashesByKeyId.delete(e.value.key.id);
  }

  private evictOldest(): void {
    // Map iterates in insertion order: drop the oldest tenth in one go to amortise the cost.
    const drop = Math.max(1, Math.floor(this.options.maxEntries / 10));
    let i = 0;
    for (const [hash, e] of this.entries) {
      if (i++ >= drop) break;
      this.forget(hash, e);
    }
  }
}
