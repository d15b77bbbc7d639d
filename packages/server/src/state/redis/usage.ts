import { randomBytes } from 'node:crypto';
import type { Store, UsageDelta } from '../../store/types.js';
import type { RedisConnection } from './connect.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * Where a node's usage buffer (keys/usage.ts) flushes when Redis is configured: counts add up in
 * one Redis hash (HINCRBY), last-used times keep the greatest, one script per batch. A failed
 * batch stays in the node's buffer and is retried (FlushBuffer), so an outage delays counts but
 * loses none of this node's.
 */
export class RedisUsageSink implements Pick<Store, 'addUsage'> {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: RedisConnection) {
    this.keys = redisKeys(redis.keyPrefix);
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const args = deltas.flatMap((d) => [d.keyId, String(d.count), String(d.lastUsedAtMs)]);
    await this.redis.client.kwUsageAdd(this.keys.usage.counts, this.keys.usage.lastUsed, ...args);
  }
}

/**
 * Moves the counts from Redis to the SQL store, one flusher at a time across every node (a lock
 * with a lease): so the store takes one usage transaction per interval, not one per node.
 *
 * A batch is renamed to staging when claimed; it is deleted only after the store's transaction
 * committed, and a failed write leaves it for the next claim. Delivery is therefore at least once:
 * a node dying between the commit and the delete (or outliving its lease) counts that batch twice,
 * and a Redis restart loses the counts not yet moved (at most one interval). Usage counts are
 * operational figures, not a ledger (docs/threat-model.md).
 */
export class RedisUsageFlusher {
  private readonly keys: RedisKeys;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly store: Pick<Store, 'addUsage'>,
    private readonly options: { readonly intervalMs: number; readonly leaseMs?: number; readonly onError?: (err: unknown) => void },
  ) {
    this.keys = redisKeys(redis.keyPrefix);
  }

  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.flush().catch((err) => this.options.onError?.(err)), this.options.intervalMs);
    this.timer.unref();
  }

  /** One claim-write-release round; resolves whether this node held the lock. Concurrent calls share one round. */
  flush(): Promise<boolean> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch((err) => this.options.onError?.(err));
  }

  private async round(): Promise<boolean> {
    const k = this.keys.usage;
    const token = randomBytes(12).toString('base64url');
    const batch = await this.redis.client.kwUsageTake(k.counts, k.lastUsed, k.stagedCounts, k.stagedLastUsed, k.lock, token, String(this.options.leaseMs ?? 60_000));
    if (!batch) return false;
    const [counts, lastUsed] = batch;
    const last = new Map<string, number>();
    for (let i = 0; i < lastUsed.length; i += 2) last.set(lastUsed[i]!, Number(lastUsed[i + 1]));
    const deltas: UsageDelta[] = [];
    for (let i = 0; i < counts.length; i += 2) deltas.push({ keyId: counts[i]!, count: Number(counts[i + 1]), lastUsedAtMs: last.get(counts[i]!) ?? 0 });
    let written = false;
    try {
      await this.store.addUsage(deltas);
      written = true;
    } finally {
      await this.redis.client.kwUsageDone(k.stagedCounts, k.stagedLastUsed, k.lock, token, written ? '1' : '0');
    }
    return true;
  }
}
