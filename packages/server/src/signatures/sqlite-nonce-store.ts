import type { SharedSqlite } from '../store/sqlite-shared.js';
import type { NonceOutcome, NonceStore } from './nonce-store.js';

/**
 * The replay cache in the SQLite file, shared by every process on it (server, gateway, CLI): a
 * request signed for one of them cannot be replayed to another. Each check is one IMMEDIATE
 * transaction of three prepared statements (is the nonce live, how many live nonces has the key,
 * remember it), so of concurrent checks of one nonce — in any process — exactly one is `fresh`.
 *
 * Bounds: at most `maxPerKey` live rows per key (then `over_capacity`, never forgetting a live
 * nonce); expired rows are deleted every `sweepIntervalMs`, at most `sweepBatch` at a time.
 */
export class SqliteNonceStore implements NonceStore {
  private readonly check: (keyId: string, nonce: string, expiresAtMs: number, nowMs: number) => NonceOutcome | Promise<NonceOutcome>;
  private readonly prune: () => void;
  private lastSweepMs: number;

  constructor(
    shared: SharedSqlite,
    private readonly options: { readonly maxPerKey: number; readonly now: () => number; readonly sweepIntervalMs?: number; readonly sweepBatch?: number },
  ) {
    const db = shared.db;
    const live = db.prepare<[string, string, number], { e: number }>('SELECT 1 AS e FROM nonces WHERE key_id = ? AND nonce = ? AND expires_at_ms > ?');
    const count = db.prepare<[string, number, number], { n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM nonces WHERE key_id = ? AND expires_at_ms > ? LIMIT ?)');
    const upsert = db.prepare('INSERT INTO nonces (key_id, nonce, expires_at_ms) VALUES (?, ?, ?) ON CONFLICT (key_id, nonce) DO UPDATE SET expires_at_ms = excluded.expires_at_ms');
    const sweep = db.prepare('DELETE FROM nonces WHERE rowid IN (SELECT rowid FROM nonces WHERE expires_at_ms <= ? LIMIT ?)');
    this.check = shared.immediate((keyId: string, nonce: string, expiresAtMs: number, nowMs: number): NonceOutcome => {
      if (live.get(keyId, nonce, nowMs)) return 'replayed';
      if (count.get(keyId, nowMs, options.maxPerKey)!.n >= options.maxPerKey) return 'over_capacity';
      upsert.run(keyId, nonce, expiresAtMs);
      return 'fresh';
    });
    const prune = shared.immediate(() => sweep.run(this.options.now(), this.options.sweepBatch ?? 10_000));
    this.prune = () => {
      const r = prune();
      if (r instanceof Promise) r.catch(() => {}); // a busy sweep waits for the next interval
    };
    this.lastSweepMs = options.now();
  }

  checkAndRemember(keyId: string, nonce: string, expiresAtMs: number): NonceOutcome | Promise<NonceOutcome> {
    const now = this.options.now();
    if (now - this.lastSweepMs > (this.options.sweepIntervalMs ?? 10_000)) {
      this.lastSweepMs = now;
      this.prune();
    }
    return this.check(keyId, nonce, expiresAtMs, now);
  }
}
