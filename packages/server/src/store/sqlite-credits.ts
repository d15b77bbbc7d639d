import { spendCredits, type CreditSpend, type KeyCredits } from '../keys/credits.js';
import type { SharedSqlite } from './sqlite-shared.js';

/**
 * `Store.spendKeyCredits` for a file-backed SQLite store, on the shared connection: read the
 * balance, decide (keys/credits.ts), write, in one IMMEDIATE transaction. The writer lock
 * serialises spends across every process on the file, so there is no compare-and-set to lose and
 * no retry budget to exhaust: heavy contention on one metered key waits (bounded by the shared
 * connection's busy deadline), it never answers INTERNAL for a lost race.
 */
export function sqliteCreditSpender(shared: SharedSqlite): (keyId: string, cost: number, nowMs: number) => Promise<CreditSpend> {
  const read = shared.db.prepare<[string], { credits: string | null; credits_remaining: number | null; credits_period_start_ms: number | null }>(
    'SELECT credits, credits_remaining, credits_period_start_ms FROM keys WHERE id = ?',
  );
  const write = shared.db.prepare('UPDATE keys SET credits_remaining = ?, credits_period_start_ms = ? WHERE id = ?');
  const spend = shared.immediate((keyId: string, cost: number, nowMs: number): CreditSpend => {
    const row = read.get(keyId);
    if (!row) return { outcome: 'not_found' };
    if (!row.credits) return { outcome: 'unmetered' };
    const credits = JSON.parse(row.credits) as KeyCredits;
    const balance = { remaining: Number(row.credits_remaining ?? 0), periodStartMs: row.credits_period_start_ms === null ? null : Number(row.credits_period_start_ms) };
    const d = spendCredits(balance, credits, nowMs, cost);
    if (d.next !== balance) write.run(d.next.remaining, d.next.periodStartMs, keyId);
    return { outcome: d.allowed ? 'spent' : 'exhausted', remaining: d.next.remaining, resetAtMs: d.resetAtMs };
  });
  return async (keyId, cost, nowMs) => spend(keyId, cost, nowMs);
}
