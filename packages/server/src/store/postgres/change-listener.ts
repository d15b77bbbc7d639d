import pg from 'pg';
import type { Invalidation } from '../../cache/invalidation.js';
import { changeToInvalidation } from '../../cache/change-log.js';

export interface ChangeListenerOptions {
  /** How to open the dedicated connection: the store's URL and schema, never a pooled client. */
  readonly client: pg.ClientConfig;
  /** A change announced by NOTIFY (already committed), or `undefined` for a bare wake-up. */
  readonly onNotify: (change: Invalidation | undefined) => void;
  /** The connection is (again) listening: whatever was sent while it was down must be read from the log. */
  readonly onListening: () => void;
  readonly onError?: (err: unknown, attempt: number, retryInMs: number) => void;
  /** First and longest wait between reconnection attempts (doubling, with jitter). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
}

/**
 * The push half of the PostgreSQL change feed: one connection of its own (a pooled client would be
 * handed to queries and its LISTEN lost on release) LISTENs on the store's channel, which the
 * change-log trigger NOTIFYs from the changing transaction (migration 410). Each notification is
 * reported at once; the poll (cache/change-watcher.ts) stays the backstop.
 *
 * A dropped connection is reopened with exponential backoff; every time it is listening again,
 * `onListening` runs so the caller re-reads the log: a message sent while nobody listened is
 * covered by the rows it announced.
 */
export class PostgresChangeListener {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private connecting: Promise<void> | undefined;
  /** Whether a connection is currently listening (for readiness and tests). */
  listening = false;
  /** The server process of the listening connection (pg_stat_activity shows it as `keyward-change-listener`). */
  backendPid: number | undefined;

  constructor(private readonly options: ChangeListenerOptions) {}

  /** Resolves after the first attempt; a failed one is retried in the background like a later drop. */
  start(): Promise<void> {
    return this.connect();
  }

  private connect(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({ application_name: 'keyward-change-listener', ...this.options.client });
    this.client = client;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      this.listening = false;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => {});
      this.retry(err);
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('change listener connection ended')));
    client.on('notification', (n) => {
      if (n.payload === undefined) return this.options.onNotify(undefined);
      this.options.onNotify(parsePayload(n.payload));
    });
    try {
      await client.connect();
      // The schema the change log is in, digested as the trigger does (PG_CHANGE_CHANNEL_SQL, migration 410).
      const r = await client.query<{ channel: string | null; pid: number }>(
        `SELECT 'keyward_changes_' || md5(n.nspname) AS channel, pg_backend_pid() AS pid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('change_log')`,
      );
      const channel = r.rows[0]?.channel;
      this.backendPid = r.rows[0]?.pid;
      if (!channel) throw new Error('change listener: no change_log table on this connection (store not migrated?)');
      await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      fail(err);
      return;
    }
    if (this.closed || failed) {
      if (!failed) await client.end().catch(() => {});
      return;
    }
    this.listening = true;
    this.attempt = 0;
    this.options.onListening();
  }

  private retry(err: unknown): void {
    if (this.closed) return;
    const min = this.options.reconnectMinMs ?? 100;
    const max = this.options.reconnectMaxMs ?? 5_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    const wait = Math.round(base / 2 + (Math.random() * base) / 2); // jitter: nodes do not reconnect in lock step
    this.attempt++;
    this.options.onError?.(err, this.attempt, wait);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), wait);
    this.timer.unref();
  }

  /** Drops the connection as a network fault would (tests): the listener reconnects by itself. */
  disrupt(): void {
    this.client?.emit('error', new Error('disrupted'));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.connecting;
    const c = this.client;
    this.client = undefined;
    this.listening = false;
    if (c) {
      c.removeAllListeners('end');
      c.removeAllListeners('error');
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  }
}

/** `seq kind id` (see migration 410); a payload of another shape is a bare wake-up. */
export function parsePayload(payload: string): Invalidation | undefined {
  const first = payload.indexOf(' ');
  const second = first < 0 ? -1 : payload.indexOf(' ', first + 1);
  if (second < 0) return undefined;
  return changeToInvalidation(payload.slice(first + 1, second), payload.slice(second + 1));
}
