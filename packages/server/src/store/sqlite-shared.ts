import BetterSqlite3 from 'better-sqlite3';

/**
 * A second connection to a file-backed SQLite store, for the state every process on the file
 * shares and touches on the hot path (replay cache, rate limits, credit spends). It runs
 * synchronous prepared statements in IMMEDIATE transactions: one process-wide writer lock makes
 * each read-decide-write atomic across processes, with no retry loop on a lost compare-and-set.
 *
 * It never waits for the lock synchronously (busy_timeout 0): the holder may be a Kysely
 * transaction of this very process, which can only finish if the event loop runs. A busy answer
 * is retried asynchronously with a short backoff, for at most `busyDeadlineMs`; past that the
 * store counts as broken (callers fail closed).
 */
export class SharedSqlite {
  readonly db: BetterSqlite3.Database;

  constructor(
    file: string,
    readonly busyDeadlineMs = 5_000,
  ) {
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 0');
  }

  /** Runs `fn` in an IMMEDIATE transaction; synchronous unless the lock is busy. */
  immediate<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T | Promise<T> {
    const tx = this.db.transaction(fn);
    return (...args: A) => {
      try {
        return tx.immediate(...args);
      } catch (err) {
        if (!isBusy(err)) throw err;
        return this.retry(() => tx.immediate(...args));
      }
    };
  }

  private async retry<T>(run: () => T): Promise<T> {
    const startedMs = Date.now();
    for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 20)) {
      await new Promise((r) => setTimeout(r, waitMs + Math.random() * waitMs));
      try {
        return run();
      } catch (err) {
        if (!isBusy(err) || Date.now() - startedMs > this.busyDeadlineMs) throw err;
      }
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
