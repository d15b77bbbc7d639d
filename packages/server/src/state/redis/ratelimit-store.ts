import { periodEnd, periodStart } from '../../ratelimit/gcra.js';
import { ConsumeAllStore, type LimitOp, type LimitOpResult } from '../../ratelimit/store.js';
import type { RedisConnection } from './connect.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * Rate limits and quotas in Redis, shared by every node: each call is one Lua script
 * (scripts.ts, CONSUME_ALL_LUA) computing exactly what `decideAll` computes — the same GCRA, the
 * same all-or-nothing rule, the same units (ms) — and writing only when every op allowed.
 *
 * Time is the caller's `nowMs`, as on every other backend (so a frozen clock in tests, and nodes
 * on NTP in production); Redis's own clock only runs the PX expiries, which are relative
 * durations and so need no agreement between clocks.
 *
 * Memory: one key per limiter that holds debt, expiring when its bucket is full again or its
 * quota period ends. A throw means Redis failed (timeout, connection down): see
 * state/limits-failover.ts for what the container does then.
 */
export class RedisRateLimitStore extends ConsumeAllStore {
  private readonly keys: RedisKeys;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.keys = redisKeys(redis.keyPrefix);
  }


  async consumeAll(ops: readonly LimitOp[], nowMs: number): Promise<readonly LimitOpResult[]> {
    if (ops.length === 0) return [];
    const keys: string[] = [];
    const args: string[] = [String(nowMs)];
    for (const op of ops) {
      if (op.type === 'rate') {
        keys.push(this.keys.gcra(op.key));
        args.push('r', String(op.limit.rate), String(op.limit.windowMs), String(op.limit.burst), String(op.cost));
      } else {
        const start = periodStart(op.quota.refill, nowMs);
        keys.push(this.keys.quota(op.key));
        args.push('q', String(op.quota.amount), String(start), String(periodEnd(op.quota.refill, start) - nowMs), String(op.cost));
      }
    }
    const rows = await this.redis.client.kwConsumeAll(keys.length, ...keys, ...args);
    return rows.map((row): LimitOpResult => {
      const allowed = row[1] === '1';
      const n = (i: number) => Number(row[i]);
      if (row[0] === 'r') return { type: 'rate', decision: { allowed, tatMs: n(2), remaining: n(3), resetMs: n(4), retryAfterMs: n(5) } };
      return { type: 'quota', decision: { allowed, remaining: n(2), resetMs: n(3) } };
    });
  }
}
