import type pg from 'pg';
import type { ChangeLogSource } from '../../cache/change-log.js';
import type { ChangeSource } from '../../cache/change-watcher.js';
import { PostgresChangeListener } from './change-listener.js';

/**
 * The change log of a PostgreSQL store with its NOTIFY channel: `read` is the log (what the poll
 * and every wake-up read), `listen` opens the dedicated LISTEN connection.
 */
export function notifiedChangeSource(log: ChangeLogSource, client: pg.ClientConfig): ChangeSource & { readonly listener: () => PostgresChangeListener | undefined } {
  let listener: PostgresChangeListener | undefined;
  return {
    read: () => log.read(),
    listener: () => listener,
    async listen(onChange, onError) {
      listener = new PostgresChangeListener({
        client: { ...client, keepAlive: true },
        onNotify: onChange,
        onListening: () => onChange(undefined),
        onError: (err, _attempt, retryInMs) => onError?.(err, retryInMs),
      });
      await listener.start();
    },
    async close() {
      await listener?.close();
    },
  };
}
