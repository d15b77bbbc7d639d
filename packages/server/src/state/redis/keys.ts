/**
 * Redis key names. Redis Cluster runs a script only when every key it touches hashes to one slot,
 * and a key's slot is computed from its hash tag (the part between the first `{` and the next `}`)
 * when it has one. So each script's keys share one tag:
 *
 *  - rate limits and quotas: `{<prefix>:rl}:g:<limiter key>` and `{<prefix>:rl}:q:<limiter key>`.
 *    One tag for all of them, because `consumeAll` decides the limits of one call (key, identity,
 *    route, IP…) together and atomically, and those combine freely. The trade-off: on a Cluster,
 *    every limiter of one deployment lives on one shard, so limiter load does not spread over
 *    shards (one Redis core serves about 10^5 scripts per second; beyond that, give deployments
 *    or tenants their own `KEYWARD_REDIS_KEY_PREFIX`, which is part of the tag).
 *  - the replay cache: `{<prefix>:n:<signing key id>}`, one sorted set per signing key, spread
 *    over the shards by key id.
 *  - single-use entries: `<prefix>:su:<key>`, one key per entry (a one-key script is always on one slot).
 *  - usage counters: `{<prefix>:usage}:…`, two hashes, their staged copies and the flusher's lock.
 *  - `{<prefix>:doctor:<n>}`: never written; `keyward doctor` reads it to run a keyed script on each master.
 *
 * Parts that come from callers are escaped so that a `{` or `}` in them can never move the tag.
 */
export function escapePart(s: string): string {
  return s.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface RedisKeys {
  gcra(limiterKey: string): string;
  quota(limiterKey: string): string;
  nonces(keyId: string): string;
  singleUse(key: string): string;
  /**
   * A key `keyward doctor` only reads (EXISTS, inside EVAL) to prove that a keyed script runs on a
   * Cluster master: `n` is varied until the key's slot is one that master owns.
   */
  doctorProbe(n: number): string;
  /** Usage counters: live and staged hashes and the flusher's lock, one tag (one script touches all). */
  usage: { readonly counts: string; readonly lastUsed: string; readonly stagedCounts: string; readonly stagedLastUsed: string; readonly lock: string };
}

export function redisKeys(prefix: string): RedisKeys {
  const p = escapePart(prefix);
  return {
    gcra: (k) => `{${p}:rl}:g:${escapePart(k)}`,
    quota: (k) => `{${p}:rl}:q:${escapePart(k)}`,
    nonces: (keyId) => `{${p}:n:${escapePart(keyId)}}`,
    singleUse: (k) => `${p}:su:${escapePart(k)}`,
    doctorProbe: (n) => `{${p}:doctor:${n}}`,
    usage: { counts: `{${p}:usage}:n`, lastUsed: `{${p}:usage}:t`, stagedCounts: `{${p}:usage}:sn`, stagedLastUsed: `{${p}:usage}:st`, lock: `{${p}:usage}:lock` },
  };
}
