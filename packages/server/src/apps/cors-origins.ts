import type { Store } from '../store/types.js';

/**
 * The CORS origins apps allow (`settings.corsOrigins`), as a snapshot both HTTP processes read
 * synchronously on every request: no store read on the request path. Refreshed every
 * `refreshMs` (and on demand after a change this process made), so a change made elsewhere
 * applies within that bound.
 */
export class AppCorsOrigins {
  private byApp = new Map<string, readonly string[]>();
  private all: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Pick<Store, 'listApps'>) {}

  /** Reads every app's list. A failed read keeps the previous snapshot (and throws to the caller). */
  async refresh(): Promise<void> {
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
    this.byApp = byApp;
    this.all = [...all];
  }

  /** Refreshes every `refreshMs` in the background until {@link stop}; `onError` hears failed reads. */
  start(refreshMs: number, onError: (err: unknown) => void): void {
    if (this.timer || refreshMs <= 0) return;
    this.timer = setInterval(() => void this.refresh().catch(onError), refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
