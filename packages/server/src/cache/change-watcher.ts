import type { Store } from '../store/types.js';
import type { Invalidation } from './invalidation.js';

export interface ChangeWatcherOptions {
  readonly pollIntervalMs: number;
  readonly onError?: (err: unknown) => void;
}

/** Where the watcher reads changes from: each call returns what changed since the previous one. */
export interface ChangeSource {
  read(): Promise<readonly Invalidation[]>;
}

/**
 * Delivers changes made by another process sharing the database (the CLI or the admin server on
 * the same SQLite file, another node on PostgreSQL) to every cache of this one: one indexed query
 * per interval. It bounds cross-process revocation lag by `pollIntervalMs` even without a pub/sub
 * bus; with one, this is the backstop for lost messages. Every cache subscribes to the same local
 * feed (keyward.ts), so no cache can be left out of a revocation.
 */
export class ChangeWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly source: ChangeSource,
    private readonly deliver: (message: Invalidation) => void,
    private readonly options: ChangeWatcherOptions,
  ) {}

  start(): void {
    if (this.timer || this.options.pollIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
    this.timer.unref();
  }

  async poll(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        for (const m of await this.source.read()) this.deliver(m);
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
