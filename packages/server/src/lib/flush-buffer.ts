/**
 * Counters gathered in memory and written in batches, so a request never waits on (or pays for)
 * a store write: usage counts (keys/usage.ts) and verification analytics (analytics/recorder.ts)
 * both go through this one mechanism. Entries are keyed by a string; the owner mutates an entry in
 * place on the hot path (`get`/`set`, no closure or promise per call).
 *
 * A batch that fails to write is merged back and retried on the next flush, so counts arrive
 * late, never twice and never lost — except on a crash, where at most one interval is lost
 * (docs/operations.md). Writes MUST be additive in the store (count = count + n), so many nodes
 * may flush independently and in any order.
 */
export interface FlushBufferOptions<E> {
  /** Writes one batch. Rejecting means nothing of the batch was written (one transaction). */
  readonly write: (batch: ReadonlyMap<string, E>) => Promise<void>;
  /** Adds `from` into `into` (a failed batch merging back into entries recorded since). */
  readonly merge: (into: E, from: E) => void;
  /** 0 = no timer: flush only when asked (tests, and the CLI's short-lived processes). */
  readonly flushIntervalMs: number;
  readonly onError?: (err: unknown) => void;
  /** Runs after every flush attempt that had something to write, or found nothing (housekeeping such as pruning). */
  readonly afterFlush?: () => Promise<void>;
}

export class FlushBuffer<E> {
  private pending = new Map<string, E>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private batches = 0;

  constructor(private readonly options: FlushBufferOptions<E>) {}

  start(): void {
    if (this.timer || this.options.flushIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  get(id: string): E | undefined {
    return this.pending.get(id);
  }

  set(id: string, entry: E): void {
    this.pending.set(id, entry);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Changes whenever a flush takes the pending entries: an owner that keeps its own shortcut to
   * entries (analytics' per-minute index) drops it then, so it never increments a written entry.
   */
  get generation(): number {
    return this.batches;
  }

  /** Writes what is pending. Concurrent calls share the flush in progress. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const batch = this.pending;
    if (batch.size === 0) {
      if (!this.options.afterFlush) return;
      this.flushing = this.options.afterFlush().catch((err) => this.options.onError?.(err)).finally(() => (this.flushing = undefined));
      return this.flushing;
    }
    this.pending = new Map();
    this.batches++;
    this.flushing = this.options
      .write(batch)
      .catch((err) => {
        for (const [id, entry] of batch) {
          const current = this.pending.get(id);
          if (current) this.options.merge(current, entry);
          else this.pending.set(id, entry);
        }
        this.options.onError?.(err);
      })
      .then(() => this.options.afterFlush?.())
      .catch((err) => this.options.onError?.(err))
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stops the timer and writes what is pending (shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.flushing) await this.flushing;
    await this.flush();
  }
}
