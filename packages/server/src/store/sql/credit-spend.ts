import { sql, type Kysely } from 'kysely';
import { spendTogether, type CreditBalance, type CreditSpend, type KeyCredits, type MeteredBalance } from '../../keys/credits.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

type Row = { credits: string | null; credits_remaining: number | null; credits_period_start_ms: number | null };

const metered = (r: Row | undefined): MeteredBalance | null =>
  r && r.credits ? { credits: JSON.parse(r.credits) as KeyCredits, balance: { remaining: Number(r.credits_remaining ?? 0), periodStartMs: num(r.credits_period_start_ms ?? null) } } : null;

/** The answer for a decided spend (shared by both spenders). */
export function spendAnswer(key: MeteredBalance | null, identity: MeteredBalance | null, d: ReturnType<typeof spendTogether>): CreditSpend {
  if (!key && !identity) return { outcome: 'unmetered' };
  const outcome = d.allowed ? 'spent' : 'exhausted';
  const remaining = (d.key ?? d.identity)!.remaining;
  return d.identity && key ? { outcome, remaining, resetAtMs: d.resetAtMs, identityRemaining: d.identity.remaining } : { outcome, remaining, resetAtMs: d.resetAtMs };
}

/**
 * `Store.spendKeyCredits` on any SQL database: read the key's balance and its identity's, decide
 * (keys/credits.ts `spendTogether`), then compare-and-set both in one transaction on the balances
 * read. A concurrent spend in between makes an update miss, the transaction roll back and the
 * loop decide again, so no credit is spent twice and a refused call spends from neither.
 */
export async function spendKeyCreditsSql(db: Kysely<Database>, keyId: string, cost: number, nowMs: number): Promise<CreditSpend> {
  const retry = new Error('balance moved');
  for (let attempt = 0; attempt < 16; attempt++) {
    const keyRow = await db.selectFrom('keys').select(['credits', 'credits_remaining', 'credits_period_start_ms', 'identity_id']).where('id', '=', keyId).executeTakeFirst();
    if (!keyRow) return { outcome: 'not_found' };
    const idRow = keyRow.identity_id ? await db.selectFrom('identities').select(['credits', 'credits_remaining', 'credits_period_start_ms']).where('id', '=', keyRow.identity_id).executeTakeFirst() : undefined;
    const key = metered(keyRow as Row);
    const identity = metered(idRow as Row | undefined);
    if (!key && !identity) return { outcome: 'unmetered' };
    const d = spendTogether(key, identity, nowMs, cost);
    try {
      await db.transaction().execute(async (trx) => {
        if (key && d.key !== key.balance) await casBalance(trx, 'keys', keyId, key.balance, d.key!, retry);
        if (identity && d.identity !== identity.balance) await casBalance(trx, 'identities', keyRow.identity_id!, identity.balance, d.identity!, retry);
      });
    } catch (err) {
      if (err === retry) continue;
      throw err;
    }
    return spendAnswer(key, identity, d);
  }
  throw new Error(`credits of ${keyId}: too much contention to spend`);
}

async function casBalance(trx: Kysely<Database>, table: 'keys' | 'identities', id: string, read: CreditBalance, next: CreditBalance, retry: Error): Promise<void> {
  const sameStart = read.periodStartMs === null ? sql<boolean>`credits_period_start_ms IS NULL` : sql<boolean>`credits_period_start_ms = ${read.periodStartMs}`;
  const res = await (trx as unknown as Kysely<Record<'keys' | 'identities', Row & { id: string }>>)
    .updateTable(table)
    .set({ credits_remaining: next.remaining, credits_period_start_ms: next.periodStartMs })
    .where('id', '=', id)
    .where('credits_remaining', '=', read.remaining)
    .where(sameStart)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw retry;
}
