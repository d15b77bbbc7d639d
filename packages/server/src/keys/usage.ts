import type { Store, UsageDelta } from '../store/types.js';

/**
 * Usage counters and last-used times, gathered in memory and written in batches, so verification
 * never waits on a write. Counts are additive in the store, so nodes flush independently. A batch
 * that fails to write is merged back and retried on the next flush: counts are late, never lost
 * (except on a crash, where at most one interval is lost — documented in docs/operations.md).
 */
export class UsageRecorder {
  private pending = new Map<string, { count: number; lastUsedAtMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<Store, 'addUsage'>,
    private readonly flushIntervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.timer || this.flushIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  record(keyId: string, atMs: number): void {
    const p = this.pending.get(keyId);
    if (p) {
      p.count++;
      if (atMs > p.lastUsedAtMs) p.lastUsedAtMs = atMs;
    } else {
      this.pending.set(keyId, { count: 1, lastUsedAtMs: atMs });
    }
  }

  /** Unflushed count for a key (added to the stored count when reporting usage). */
  pendingCount(keyId: string): number {
    return this.pending.get(keyId)?.count ?? 0;
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const deltas: UsageDelta[] = [...batch].map(([keyId, p]) => ({ keyId, count: p.count, lastUsedAtMs: p.lastUsedAtMs }));
    this.flushing = this.store
      .addUsage(deltas)
      .catch((err) => {
        for (const d of deltas) {
          const p = this.pending.get(d.keyId);
          if (p) {
            p.count += d.count;
            p.lastUsedAtMs = Math.max(p.lastUsedAtMs, d.lastUsedAtMs);
          } else this.pending.set(d.keyId, { count: d.count, lastUsedAtMs: d.lastUsedAtMs });
        }
        this.onError(err);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
