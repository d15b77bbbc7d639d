import type { Kysely } from 'kysely';
import { spendTogether, type CreditSpend, type KeyCredits, type MeteredBalance } from '../../keys/credits.js';
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
 * (keys/credits.ts `spendTogether`), write both, in one transaction that holds both rows:
 * PostgreSQL locks them (FOR UPDATE, key first, then identity, always in that order), and SQLite's
 * single connection is held for the whole transaction. A racing spend waits its turn instead of
 * losing a compare-and-set, so no credit is spent twice, a refused call spends from neither, and
 * contention never turns into an exception.
 */
export async function spendKeyCreditsSql(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', keyId: string, cost: number, nowMs: number): Promise<CreditSpend> {
  return db.transaction().execute(async (trx) => {
    let readKey = trx.selectFrom('keys').select(['credits', 'credits_remaining', 'credits_period_start_ms', 'identity_id']).where('id', '=', keyId);
    if (dialect === 'postgres') readKey = readKey.forUpdate();
    const keyRow = await readKey.executeTakeFirst();
    if (!keyRow) return { outcome: 'not_found' } as const;
    let idRow: Row | undefined;
    if (keyRow.identity_id) {
      let readIdentity = trx.selectFrom('identities').select(['credits', 'credits_remaining', 'credits_period_start_ms']).where('id', '=', keyRow.identity_id);
      if (dialect === 'postgres') readIdentity = readIdentity.forUpdate();
      idRow = (await readIdentity.executeTakeFirst()) as Row | undefined;
    }
    const key = metered(keyRow as Row);
    const identity = metered(idRow);
    if (!key && !identity) return { outcome: 'unmetered' } as const;
    const d = spendTogether(key, identity, nowMs, cost);
    if (key && d.key !== key.balance) await trx.updateTable('keys').set({ credits_remaining: d.key!.remaining, credits_period_start_ms: d.key!.periodStartMs }).where('id', '=', keyId).execute();
    if (identity && d.identity !== identity.balance) await trx.updateTable('identities').set({ credits_remaining: d.identity!.remaining, credits_period_start_ms: d.identity!.periodStartMs }).where('id', '=', keyRow.identity_id!).execute();
    return spendAnswer(key, identity, d);
  });
}
