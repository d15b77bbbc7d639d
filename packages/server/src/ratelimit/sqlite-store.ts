import type { SharedSqlite } from '../store/sqlite-shared.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { ConsumeAllStore, decideAll, type LimitOp, type LimitOpResult } from './store.js';

/**
 * Rate limits and quotas in the SQLite file, so every process on it counts one budget (a key
 * limited to N calls gets N in total, not N per process). Each call is one IMMEDIATE transaction
 * around the pure decision (gcra.ts): read the state, decide, write — atomic across processes.
 *
 * Bounds: one row per limiter key; rows whose state has expired (a GCRA bucket full again, a
 * quota period over) are deleted every `sweepIntervalMs`, at most `sweepBatch` at a time.
 */
export class SqliteRateLimitStore extends ConsumeAllStore {
  private readonly run: (ops: readonly LimitOp[], nowMs: number) => readonly LimitOpResult[] | Promise<readonly LimitOpResult[]>;
  private readonly sweep: (nowMs: number) => unknown;
  private lastSweepMs = 0;

  constructor(
    shared: SharedSqlite,
    private readonly options: { readonly sweepIntervalMs?: number; readonly sweepBatch?: number } = {},
  ) {
    super();
    const db = shared.db;
    const getTat = db.prepare<[string], { tat_ms: number }>('SELECT tat_ms FROM ratelimit_gcra WHERE key = ?');
    const putTat = db.prepare('INSERT INTO ratelimit_gcra (key, tat_ms, expires_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms, expires_at_ms = excluded.expires_at_ms');
    const getQuota = db.prepare<[string], { remaining: number; period_start_ms: number }>('SELECT remaining, period_start_ms FROM ratelimit_quota WHERE key = ?');
    const putQuota = db.prepare(
      'INSERT INTO ratelimit_quota (key, remaining, period_start_ms, expires_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET remaining = excluded.remaining, period_start_ms = excluded.period_start_ms, expires_at_ms = excluded.expires_at_ms',
    );
    const batch = options.sweepBatch ?? 10_000;
    const delTats = db.prepare('DELETE FROM ratelimit_gcra WHERE rowid IN (SELECT rowid FROM ratelimit_gcra WHERE expires_at_ms <= ? LIMIT ?)');
    const delQuotas = db.prepare('DELETE FROM ratelimit_quota WHERE rowid IN (SELECT rowid FROM ratelimit_quota WHERE expires_at_ms <= ? LIMIT ?)');
    this.run = shared.immediate((ops: readonly LimitOp[], nowMs: number) => {
      const { results, writes } = decideAll(
        ops,
        nowMs,
        (key) => getTat.get(key)?.tat_ms,
        (key) => {
          const r = getQuota.get(key);
          return r ? { remaining: r.remaining, periodStartMs: Number(r.period_start_ms) } : undefined;
        },
      );
      for (const w of writes) {
        if (w.type === 'rate') putTat.run(w.key, w.tatMs, Math.ceil(w.tatMs));
        else putQuota.run(w.key, w.state.remaining, w.state.periodStartMs, w.expiresAtMs);
      }
      return results;
    });
    this.sweep = shared.immediate((nowMs: number) => {
      delTats.run(nowMs, batch);
      delQuotas.run(nowMs, batch);
    });
  }

  /** Synchronous unless a sweep is due or the file is busy (then it waits its turn): lib/maybe-promise.ts. */
  consumeAll(ops: readonly LimitOp[], nowMs: number): MaybePromise<readonly LimitOpResult[]> {
    if (nowMs - this.lastSweepMs >= (this.options.sweepIntervalMs ?? 10_000)) return this.sweepThenRun(ops, nowMs);
    return this.run(ops, nowMs);
  }

  private async sweepThenRun(ops: readonly LimitOp[], nowMs: number): Promise<readonly LimitOpResult[]> {
    this.lastSweepMs = nowMs;
    await Promise.resolve(this.sweep(nowMs)).catch(() => {}); // a busy sweep waits for the next interval
    return this.run(ops, nowMs);
  }
}
