import { FlushBuffer } from '../lib/flush-buffer.js';
import type { Store } from '../store/types.js';

interface Usage {
  count: number;
  lastUsedAtMs: number;
}

/**
 * Usage counters and last-used times, gathered in memory and written in batches (lib/flush-buffer.ts),
 * so verification never waits on a write. Counts are additive in the store, so nodes flush
 * independently; a failed batch is retried on the next flush.
 */
export class UsageRecorder {
  private readonly buffer: FlushBuffer<Usage>;

  constructor(store: Pick<Store, 'addUsage'>, flushIntervalMs: number, onError: (err: unknown) => void = () => {}) {
    this.buffer = new FlushBuffer<Usage>({
      flushIntervalMs,
      onError,
      write: (batch) => store.addUsage([...batch].map(([keyId, p]) => ({ keyId, count: p.count, lastUsedAtMs: p.lastUsedAtMs }))),
      merge: (into, from) => {
        into.count += from.count;
        into.lastUsedAtMs = Math.max(into.lastUsedAtMs, from.lastUsedAtMs);
      },
    });
  }

  start(): void {
    this.buffer.start();
  }

  record(keyId: string, atMs: number): void {
    const p = this.buffer.get(keyId);
    if (p) {
      p.count++;
      if (atMs > p.lastUsedAtMs) p.lastUsedAtMs = atMs;
    } else {
      this.buffer.set(keyId, { count: 1, lastUsedAtMs: atMs });
    }
  }

  /** Unflushed count for a key (added to the stored count when reporting usage). */
  pendingCount(keyId: string): number {
    return this.buffer.get(keyId)?.count ?? 0;
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  stop(): Promise<void> {
    return this.buffer.stop();
  }
}
