import type { Environment } from '../keys/model.js';
import type { CompiledAccessMap } from '../policy/evaluate.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { ScrubSet } from './scrub.js';

/** What the cache needs of the secret service: the gateway-only plaintext read. */
export interface SecretReader {
  reveal(appId: string, environment: Environment, name: string): Promise<string | undefined>;
}

/**
 * The values of every secret the access map injects, per app and environment, so the gateway can
 * scrub them from the response headers of EVERY route, not only the ones that inject (an upstream
 * holding its own copy may echo it anywhere). Reading and opening each secret per request would
 * cost a store read and an AES-GCM open per secret, so the set is kept for `ttlMs`: a value set
 * or rotated meanwhile is scrubbed from headers of non-injecting routes once the entry expires,
 * and at once on the injecting routes (which read the value fresh and add it, see `withValue`).
 */
export class SecretScrubCache {
  private readonly names: readonly string[];
  private readonly entries = new Map<string, { readonly set: ScrubSet; readonly untilMs: number }>();

  constructor(
    map: CompiledAccessMap,
    private readonly secrets: SecretReader,
    private readonly ttlMs = 10_000,
  ) {
    const names = new Set<string>();
    for (const r of map.map.resources) if (r.injectSecret) names.add(r.injectSecret.name);
    this.names = [...names];
  }

  /** False when the map injects nothing: the gateway then skips scrubbing altogether. */
  get active(): boolean {
    return this.names.length > 0;
  }

  /** Synchronous while the entry is fresh (lib/maybe-promise.ts); reads the secrets again once it expired. */
  get(appId: string, environment: Environment, nowMs: number): MaybePromise<ScrubSet> {
    const id = `${appId}|${environment}`;
    const hit = this.entries.get(id);
    if (hit !== undefined && hit.untilMs > nowMs) return hit.set;
    return this.load(id, appId, environment, nowMs);
  }

  private async load(id: string, appId: string, environment: Environment, nowMs: number): Promise<ScrubSet> {
    const values: string[] = [];
    for (const name of this.names) {
      const v = await this.secrets.reveal(appId, environment, name);
      if (v !== undefined) values.push(v);
    }
    const set = new ScrubSet(values);
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(id, { set, untilMs: nowMs + this.ttlMs });
    return set;
  }

  /** `set` plus a value just read fresh (the one being injected); the same set when it already has it. */
  static withValue(set: ScrubSet, value: string): ScrubSet {
    return set.values.includes(value) ? set : new ScrubSet([...set.values, value]);
  }
}
