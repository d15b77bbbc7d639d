import type { InvalidationBus } from '../cache/invalidation.js';
import type { Store } from '../store/types.js';

/**
 * The CORS origins apps allow (`settings.corsOrigins`), as a snapshot both HTTP processes read
 * synchronously on every request: no store read on the request path. Re-read whenever the change
 * feed says an app changed (this process's writes and other nodes', by NOTIFY or the change poll:
 * {@link follow}), and every `refreshMs` as the backstop.
 */
export class AppCorsOrigins {
  private byApp = new Map<string, readonly string[]>();
  private all: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unfollow: (() => void) | undefined;
  private refreshing: Promise<void> | undefined;
  private started = 0;
  private applied = 0;
  /** A change arrived while a refresh ran: that one may have read the old row, so read once more. */
  private again = false;

  constructor(private readonly store: Pick<Store, 'listApps'>) {}

  /** Reads every app's list. A failed read keeps the previous snapshot (and throws to the caller). */
  async refresh(): Promise<void> {
    // A read that started before a later one finished must not overwrite that one's newer snapshot.
    const mine = ++this.started;
    const byApp = new Map<string, readonly string[]>();
    const all = new Set<string>();
    let after: string | undefined;
    do {
      const page = await this.store.listApps(after === undefined ? { limit: 200 } : { limit: 200, after });
      for (const app of page.items) {
        const origins = app.settings.corsOrigins ?? [];
        if (origins.length === 0) continue;
        byApp.set(app.id, origins);
        for (const o of origins) all.add(o);
      }
      after = page.next;
    } while (after !== undefined);
    if (mine < this.applied) return;
    this.applied = mine;
    this.byApp = byApp;
    this.all = [...all];
  }

  /** Refreshes every `refreshMs` in the background until {@link stop}; `onError` hears failed reads. */
  start(refreshMs: number, onError: (err: unknown) => void): void {
    if (this.timer || refreshMs <= 0) return;
    this.timer = setInterval(() => void this.refresh().catch(onError), refreshMs);
    this.timer.unref();
  }

  /**
   * Refreshes whenever `feed` announces an app change (or "everything"). Concurrent announcements
   * share one read, plus one more after it, so a burst of changes costs at most two reads.
   */
  follow(feed: Pick<InvalidationBus, 'subscribe'>, onError: (err: unknown) => void): void {
    this.unfollow ??= feed.subscribe((m) => {
      if (m.type !== 'app' && m.type !== 'all') return;
      if (this.refreshing) {
        this.again = true;
        return;
      }
      this.refreshing = (async () => {
        do {
          this.again = false;
          await this.refresh().catch(onError);
        } while (this.again && this.unfollow);
      })().finally(() => (this.refreshing = undefined));
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
  }

  /** One app's origins (empty when it lists none or does not exist). */
  forApp(appId: string): readonly string[] {
    return this.byApp.get(appId) ?? [];
  }

  /** Every origin some app allows: for answers that belong to no app yet (a preflight, a refusal before authentication). */
  any(): readonly string[] {
    return this.all;
  }
}
