import type { Store } from '../store/types.js';
import type { Invalidation } from './invalidation.js';

export interface ChangeWatcherOptions {
  readonly pollIntervalMs: number;
  readonly onError?: (err: unknown) => void;
  /** The push channel failed or dropped; it retries in `retryInMs` and the poll covers the gap. */
  readonly onListenError?: (err: unknown, retryInMs: number) => void;
}

/** Where the watcher reads changes from: each call returns what changed since the previous one. */
export interface ChangeSource {
  read(): Promise<readonly Invalidation[]>;
  /**
   * A push channel, where the store has one (PostgreSQL LISTEN/NOTIFY): `onChange` runs for each
   * announced change (`undefined`: something changed, read the log) and whenever the channel is
   * listening again after a drop (whatever it missed is in the log).
   */
  listen?(onChange: (change: Invalidation | undefined) => void, onError?: (err: unknown, retryInMs: number) => void): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Delivers changes made by another process sharing the database (the CLI or the admin server on
 * the same SQLite file, another node on PostgreSQL) to every cache of this one. Where the source
 * pushes (PostgreSQL NOTIFY), an announced change is delivered at once and the log is read right
 * after; the poll, one indexed query per interval, stays the backstop that bounds the lag of a lost
 * message by `pollIntervalMs`. Every cache subscribes to the same local feed (keyward.ts), so no
 * cache can be left out of a revocation. Delivery is at least once: every cache's invalidation is
 * idempotent.
 */
export class ChangeWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A read was asked for while one ran: that one may have missed the newest rows, so read again. */
  private again = false;
  private stopped = false;

  constructor(
    private readonly source: ChangeSource,
    private readonly deliver: (message: Invalidation) => void,
    private readonly options: ChangeWatcherOptions,
  ) {}

  /** Starts the poll and, where the source has one, the push channel (resolves once it was tried). */
  async start(): Promise<void> {
    if (!this.timer && this.options.pollIntervalMs > 0) {
      this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
      this.timer.unref();
    }
    await this.source.listen?.((change) => {
      if (this.stopped) return;
      if (change) this.deliver(change);
      void this.poll();
    }, this.options.onListenError);
  }

  /** Reads the log now; concurrent calls share one read, plus one more after it if any arrived meanwhile. */
  poll(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          try {
            for (const m of await this.source.read()) this.deliver(m);
          } catch (err) {
            this.options.onError?.(err);
          }
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.source.close?.();
  }
}

/**
 * Key changes only, by `updated_at_ms` (every lifecycle write bumps it), for stores without a
 * change log (PostgreSQL until it gets one). Looks back `lookBackMs` to tolerate clock
 * differences between writers; `seenVersions` (bounded at 100,000 ids) skips repeats.
 */
export class KeyVersionSource implements ChangeSource {
  private readonly seenVersions = new Map<string, number>();
  private lastPollMs: number;

  constructor(
    private readonly store: Pick<Store, 'keyChangesSince'>,
    private readonly options: { readonly lookBackMs: number; readonly now: () => number },
  ) {
    this.lastPollMs = options.now();
  }

  async read(): Promise<readonly Invalidation[]> {
    const startedMs = this.options.now();
    const changes = await this.store.keyChangesSince(this.lastPollMs - this.options.lookBackMs, 10_000);
    const out: Invalidation[] = [];
    for (const c of changes) {
      if (this.seenVersions.get(c.id) === c.version) continue;
      this.seenVersions.set(c.id, c.version);
      out.push({ type: 'key', keyId: c.id });
    }
    this.lastPollMs = startedMs;
    if (this.seenVersions.size > 100_000) this.seenVersions.clear();
    return out;
  }
}
