import type { Store } from '../store/types.js';
import type { KeyCache } from './key-cache.js';

export interface ChangeWatcherOptions {
  readonly pollIntervalMs: number;
  /** Look back this far on each poll, to tolerate clock differences between writers. */
  readonly lookBackMs: number;
  readonly now: () => number;
  readonly onError?: (err: unknown) => void;
}

/**
 * Drops cache entries for keys changed by another process sharing the database (the CLI on the
 * same SQLite file, or another node on PostgreSQL): one indexed query per interval. It bounds
 * cross-process revocation lag by `pollIntervalMs` even without a pub/sub bus; with one, this is
 * the backstop for lost messages.
 */
export class ChangeWatcher {
  private readonly seenVersions = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPollMs: number;

  constructor(
    private readonly store: Pick<Store, 'keyChangesSince'>,
    private readonly cache: Pick<KeyCache, 'invalidateKey'>,
    private readonly options: ChangeWatcherOptions,
  ) {
    this.lastPollMs = options.now();
  }

  start(): void {
    if (this.timer || this.options.pollIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
    this.timer.unref();
  }

  async poll(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      const startedMs = this.options.now();
      try {
        const changes = await this.store.keyChangesSince(this.lastPollMs - this.options.lookBackMs, 10_000);
        for (const c of changes) {
          if (this.seenVersions.get(c.id) === c.version) continue;
          this.seenVersions.set(c.id, c.version);
          this.cache.invalidateKey(c.id);
        }
        this.lastPollMs = startedMs;
        if (this.seenVersions.size > 100_000) this.seenVersions.clear();
      } catch (err) {
        this.options.onError?.(err);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
