import type { RevokedToken, TokenStore } from './store.js';

/**
 * The revoked token ids one process knows, so a token verification (a hot path, answered from
 * the verified-token cache without a store read) checks revocation in memory.
 *
 * How it stays true across processes: the first verification waits for `load()` (every live
 * revocation, read after the change watcher took its starting point in the log, keyward.ts), and
 * from then each revocation written by any process arrives as a `token` change (the change log,
 * or the in-process bus) and is re-read by jti (`changed`). The maintenance timer reloads the
 * whole set as a backstop and drops expired rows. Bounded by time, not count: a revocation lives
 * only as long as a token of its jti could (the longest TTL plus the clock tolerance).
 */
export class RevokedTokens {
  /** Keyed by `jti app environment` (a revocation applies in its own app and environment only). */
  private readonly entries = new Map<string, RevokedToken>();
  private loading: Promise<void> | undefined;
  private loaded = false;
  /** Bumped on every change message; a reload that began before one re-reads (fill race). */
  private generation = 0;

  constructor(private readonly store: Pick<TokenStore, 'listRevokedTokens' | 'getRevokedTokens'>, private readonly now: () => number) {}

  /** Whether the first load finished: until then every check must wait for `ready()`. */
  get isReady(): boolean {
    return this.loaded;
  }

  ready(): Promise<void> {
    this.loading ??= this.reload().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  /** Re-reads every live revocation (the backstop; also drops expired entries). */
  async reload(): Promise<void> {
    for (;;) {
      const generation = this.generation;
      const rows = await this.store.listRevokedTokens(this.now());
      if (generation !== this.generation) continue; // a change arrived meanwhile: read again
      this.entries.clear();
      for (const r of rows) this.entries.set(entryKey(r.jti, r.appId, r.environment), r);
      this.loaded = true;
      return;
    }
  }

  /** A revocation this process wrote: known at once, before the change feed brings it back. */
  add(r: RevokedToken): void {
    this.generation++;
    this.entries.set(entryKey(r.jti, r.appId, r.environment), r);
  }

  /** The change feed announced a revocation of `jti` (here or in another process). */
  async changed(jti: string): Promise<void> {
    this.generation++;
    for (const r of await this.store.getRevokedTokens(jti)) this.entries.set(entryKey(r.jti, r.appId, r.environment), r);
  }

  /**
   * Whether a token of this jti, app and environment is revoked. A revocation for another app or
   * environment does not apply (it was made with that app's authority). The jti `*` revokes every
   * token of its app and environment (a deleted app: Store.deleteApp).
   */
  has(jti: string, appId: string, environment: string, nowMs: number): boolean {
    if (this.entries.size === 0) return false;
    const r = this.entries.get(entryKey(jti, appId, environment)) ?? this.entries.get(entryKey(ALL_TOKENS, appId, environment));
    return r !== undefined && r.expiresAtMs > nowMs;
  }
}

/** The jti of a revocation of every token of an app and environment; never a real jti (the API's pattern excludes it). */
export const ALL_TOKENS = '*';

// A space cannot occur in a jti (the route's pattern), an app id or an environment.
const entryKey = (jti: string, appId: string, environment: string): string => `${jti} ${appId} ${environment}`;
