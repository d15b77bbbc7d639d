import type { Logger } from 'pino';
import type { KeywardConfig } from '../../config/config.js';
import type { Clock } from '../../lib/clock.js';
import type { Metrics } from '../../observability/metrics.js';
import type { NonceStore } from '../../signatures/nonce-store.js';
import { FailoverRateLimitStore } from '../limits-failover.js';
import type { SingleUseStore } from '../single-use.js';
import type { RedisConnection } from './connect.js';
import { RedisNonceStore } from './nonce-store.js';
import { RedisRateLimitStore } from './ratelimit-store.js';
import { RedisSingleUseStore } from './single-use-store.js';
import { RedisUsageFlusher, RedisUsageSink } from './usage.js';
import type { Store } from '../../store/types.js';

export interface RedisSharedState {
  readonly limits: FailoverRateLimitStore;
  readonly nonces: NonceStore;
  readonly singleUse: SingleUseStore;
  /** Where each node's usage buffer flushes, and the one flusher (by lock) moving counts to the store. */
  readonly usage: RedisUsageSink;
  readonly usageFlusher: RedisUsageFlusher;
}

/**
 * The shared state of a node when `redisUrl` is set. Limits fall back to the node's share while
 * Redis is away (with a metric and one log line per transition); nonces and single-use entries
 * fail closed (503 SHARED_STATE_UNAVAILABLE). Nothing here is a record of truth: keys, revocations,
 * credits and the audit log stay in the SQL store.
 */
export function redisSharedState(
  redis: RedisConnection,
  deps: { readonly config: Pick<KeywardConfig, 'clusterNodes' | 'nonceCacheMaxPerKey' | 'usageFlushIntervalMs'>; readonly store: Pick<Store, 'addUsage'>; readonly metrics: Metrics; readonly logger: Logger; readonly now: Clock },
): RedisSharedState {
  const { config, metrics, logger } = deps;
  metrics.sharedStateDegraded.set({ state: 'limits' }, 0);
  const limits = new FailoverRateLimitStore({
    shared: new RedisRateLimitStore(redis),
    available: redis.available,
    nodes: config.clusterNodes,
    onTransition: (degraded, cause) => {
      metrics.sharedStateDegraded.set({ state: 'limits' }, degraded ? 1 : 0);
      if (degraded) logger.warn({ err: cause, clusterNodes: config.clusterNodes }, 'Redis unavailable: rate limits fall back to this node’s share (1/clusterNodes) until it returns');
      else logger.info('Redis answers again: rate limits are shared again');
    },
    onFallback: () => metrics.sharedStateFallbacks.inc({ state: 'limits' }),
  });
  return {
    limits,
    nonces: new RedisNonceStore(redis, { maxPerKey: config.nonceCacheMaxPerKey, now: deps.now }),
    singleUse: new RedisSingleUseStore(redis, { now: deps.now }),
    usage: new RedisUsageSink(redis),
    usageFlusher: new RedisUsageFlusher(redis, deps.store, { intervalMs: config.usageFlushIntervalMs, onError: (err) => logger.error({ err }, 'usage flush from Redis to the store failed; will retry') }),
  };
}
