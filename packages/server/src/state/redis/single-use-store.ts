import type { SingleUseStore } from '../single-use.js';
import type { RedisConnection } from './connect.js';
import { redisKeys, type RedisKeys } from './keys.js';
import { unavailable } from './nonce-store.js';

/**
 * Single-use entries in Redis (state/single-use.ts), shared by every node. `take` is one
 * get-and-delete script, so of concurrent takes on any nodes exactly one gets the value.
 *
 * The expiry is stored in the value (`<expiresAtMs>:<value>`) and compared with the injected
 * clock on `take`, so it means the same as on the other backends; the PX expiry (the same ttl,
 * on Redis's clock) only bounds memory. Fails closed: a Redis that cannot answer throws
 * SHARED_STATE_UNAVAILABLE, never "no such key" and never a value.
 */
export class RedisSingleUseStore implements SingleUseStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: { readonly now: () => number },
  ) {
    this.keys = redisKeys(redis.keyPrefix);
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const k = this.keys.singleUse(key);
    const ttl = Math.ceil(ttlMs);
    try {
      if (ttl <= 0) await this.redis.client.del(k);
      else await this.redis.client.set(k, `${this.options.now() + ttlMs}:${value}`, 'PX', ttl);
    } catch (err) {
      throw unavailable('single-use state', err);
    }
  }

  async take(key: string): Promise<string | undefined> {
    let raw: string | null;
    try {
      raw = await this.redis.client.kwTake(this.keys.singleUse(key));
    } catch (err) {
      throw unavailable('single-use state', err);
    }
    if (raw === null) return undefined;
    const sep = raw.indexOf(':');
    const expiresAtMs = Number(raw.slice(0, sep));
    return expiresAtMs > this.options.now() ? raw.slice(sep + 1) : undefined;
  }
}
