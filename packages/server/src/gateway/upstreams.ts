import { Pool } from 'undici';

/** Where one decision's request goes: the pool of the upstream's origin and the path put before the client's. */
export interface UpstreamTarget {
  /** The upstream's name in the access map, or `default` for `--upstream`: a metrics label. */
  readonly name: string;
  readonly pool: Pool;
  /** The upstream URL's path without its trailing slash ('' for none). */
  readonly basePath: string;
}

export interface PoolOptions {
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

/**
 * The gateway's upstreams: the default one (`--upstream`) and every named one an access map
 * routes to, one undici pool per URL, made the first time a decision names it (a reloaded map may
 * bring new ones). Pools of upstreams a reloaded map no longer names stay until the gateway
 * closes: requests started on the old map may still be using them, and their number is bounded by
 * the maps loaded.
 */
export class UpstreamPools {
  private readonly targets = new WeakMap<object, UpstreamTarget>();
  /** One pool per origin: two names (or base paths) on one service share its connections. */
  private readonly pools = new Map<string, Pool>();
  private readonly options: PoolOptions;
  readonly fallback: UpstreamTarget;

  constructor(defaultUrl: string, options: PoolOptions) {
    this.options = options;
    this.fallback = this.make('default', defaultUrl);
  }

  /** The target for a decision's upstream (`undefined`: the default). One map lookup per request. */
  target(upstream: { readonly name: string; readonly url: string } | undefined): UpstreamTarget {
    if (upstream === undefined) return this.fallback;
    // Keyed by the map's spec object (stable for a loaded map), so no key string is built per request.
    let t = this.targets.get(upstream);
    if (t === undefined) this.targets.set(upstream, (t = this.make(upstream.name, upstream.url)));
    return t;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private make(name: string, url: string): UpstreamTarget {
    const parsed = new URL(url);
    let pool = this.pools.get(parsed.origin);
    if (pool === undefined) {
      pool = new Pool(parsed.origin, {
        connections: this.options.connections,
        pipelining: 1,
        connect: { timeout: this.options.connectTimeoutMs },
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
      });
      this.pools.set(parsed.origin, pool);
    }
    return { name, pool, basePath: parsed.pathname.replace(/\/$/, '') };
  }
}
