import { spendTogether, type KeyCredits, type CreditSpend, type MeteredBalance } from '../keys/credits.js';
import { spendAnswer } from './sql/credit-spend.js';
import type { SharedSqlite } from './sqlite-shared.js';

type Row = { credits: string | null; credits_remaining: number | null; credits_period_start_ms: number | null };

const metered = (r: Row | undefined): MeteredBalance | null =>
  r && r.credits ? { credits: JSON.parse(r.credits) as KeyCredits, balance: { remaining: Number(r.credits_remaining ?? 0), periodStartMs: r.credits_period_start_ms === null ? null : Number(r.credits_period_start_ms) } } : null;

/**
 * `Store.spendKeyCredits` for a file-backed SQLite store, on the shared connection: read the
 * key's balance and its identity's, decide (keys/credits.ts `spendTogether`), write both, in one
 * IMMEDIATE transaction. The writer lock serialises spends across every process on the file, so
 * there is no compare-and-set to lose and no retry budget to exhaust: heavy contention on one
 * metered key (or one identity's keys) waits, bounded by the shared connection's busy deadline; it
 * never answers INTERNAL for a lost race.
 */
export function sqliteCreditSpender(shared: SharedSqlite): (keyId: string, cost: number, nowMs: number) => Promise<CreditSpend> {
  const readKey = shared.db.prepare<[string], Row & { identity_id: string | null }>('SELECT credits, credits_remaining, credits_period_start_ms, identity_id FROM keys WHERE id = ?');
  const readIdentity = shared.db.prepare<[string], Row>('SELECT credits, credits_remaining, credits_period_start_ms FROM identities WHERE id = ?');
  const writeKey = shared.db.prepare('UPDATE keys SET credits_remaining = ?, credits_period_start_ms = ? WHERE id = ?');
  const writeIdentity = shared.db.prepare('UPDATE identities SET credits_remaining = ?, credits_period_start_ms = ? WHERE id = ?');
  const spend = shared.immediate((keyId: string, cost: number, nowMs: number): CreditSpend => {
    const row = readKey.get(keyId);
    if (!row) return { outcome: 'not_found' };
    const key = metered(row);
    const identity = row.identity_id ? metered(readIdentity.get(row.identity_id)) : null;
    if (!key && !identity) return { outcome: 'unmetered' };
    const d = spendTogether(key, identity, nowMs, cost);
    if (key && d.key !== key.balance) writeKey.run(d.key!.remaining, d.key!.periodStartMs, keyId);
    if (identity && d.identity !== identity.balance) writeIdentity.run(d.identity!.remaining, d.identity!.periodStartMs, row.identity_id);
    return spendAnswer(key, identity, d);
  });
  return async (keyId, cost, nowMs) => spend(keyId, cost, nowMs);
}
