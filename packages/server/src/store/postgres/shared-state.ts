import { sql, type Kysely, type Transaction } from 'kysely';
import type { QuotaState } from '../../ratelimit/gcra.js';
import { ConsumeAllStore, decideAll, type LimitOp, type LimitOpResult } from '../../ratelimit/store.js';
import type { NonceOutcome, NonceStore } from '../../signatures/nonce-store.js';
import type { Database } from '../sql/schema.js';

type Db = Kysely<Database>;

/** Advisory-lock namespaces (first key half); the second half is the hash of the nonce's key or the limiter key. */
const NONCE_LOCK = 7346101;
const LIMIT_LOCK = 7346102;

/**
 * The RFC 9421 replay cache in PostgreSQL, shared by every node on the database. Each check is one
 * transaction that first takes a transaction-scoped advisory lock on the signing key: checks of
 * one key (on any node) run one at a time, so of concurrent checks of one nonce exactly one is
 * `fresh`, and the per-key capacity count cannot be overrun by a race. Other keys never wait.
 *
 * Bounds: at most `maxPerKey` live rows per key (then `over_capacity`, never forgetting a live
 * nonce); expired rows are deleted every `sweepIntervalMs`, at most `sweepBatch` at a time.
 */
export class PostgresNonceStore implements NonceStore {
  private lastSweepMs: number;
  private readonly db: Db;

  constructor(
    db: Kysely<Database>,
    private readonly options: { readonly maxPerKey: number; readonly now: () => number; readonly sweepIntervalMs?: number; readonly sweepBatch?: number },
  ) {
    this.db = db;
    this.lastSweepMs = options.now();
  }

  async checkAndRemember(keyId: string, nonce: string, expiresAtMs: number): Promise<NonceOutcome> {
    const now = this.options.now();
    if (now - this.lastSweepMs > (this.options.sweepIntervalMs ?? 10_000)) {
      this.lastSweepMs = now;
      const batch = this.options.sweepBatch ?? 10_000;
      // A failed sweep waits for the next interval; the check itself still runs.
      await sql`DELETE FROM nonces WHERE ctid IN (SELECT ctid FROM nonces WHERE expires_at_ms <= ${now} LIMIT ${batch})`.execute(this.db).catch(() => {});
    }
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${NONCE_LOCK}, hashtext(${keyId}))`.execute(trx);
      const live = await trx.selectFrom('nonces').select('key_id').where('key_id', '=', keyId).where('nonce', '=', nonce).where('expires_at_ms', '>', now).executeTakeFirst();
      if (live) return 'replayed';
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM nonces WHERE key_id = ${keyId} AND expires_at_ms > ${now} LIMIT ${this.options.maxPerKey}) t`.execute(trx);
      if ((n.rows[0]?.n ?? 0) >= this.options.maxPerKey) return 'over_capacity';
      await trx
        .insertInto('nonces')
        .values({ key_id: keyId, nonce, expires_at_ms: expiresAtMs })
        .onConflict((oc) => oc.columns(['key_id', 'nonce']).doUpdateSet({ expires_at_ms: expiresAtMs }))
        .execute();
      return 'fresh';
    });
  }
}

/**
 * Rate limits and quotas in PostgreSQL, so every node counts one budget. Each call is one
 * transaction: advisory locks on its limiter keys (taken in sorted order, so two calls sharing
 * keys cannot deadlock), read the state, decide (the same pure decideAll as every backend),
 * write. Rows whose state has expired are deleted every `sweepIntervalMs`, `sweepBatch` at a time.
 */
export class PostgresRateLimitStore extends ConsumeAllStore {
  private lastSweepMs = 0;
  private readonly db: Db;

  constructor(
    db: Kysely<Database>,
    private readonly options: { readonly sweepIntervalMs?: number; readonly sweepBatch?: number } = {},
  ) {
    super();
    this.db = db;
  }


  async consumeAll(ops: readonly LimitOp[], nowMs: number): Promise<readonly LimitOpResult[]> {
    if (nowMs - this.lastSweepMs >= (this.options.sweepIntervalMs ?? 10_000)) {
      this.lastSweepMs = nowMs;
      await this.sweep(nowMs).catch(() => {}); // a failed sweep waits for the next interval
    }
    if (ops.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const lockKeys = [...new Set(ops.map((o) => `${o.type}:${o.key}`))].sort();
      for (const k of lockKeys) await sql`SELECT pg_advisory_xact_lock(${LIMIT_LOCK}, hashtext(${k}))`.execute(trx);
      const rateKeys = [...new Set(ops.filter((o) => o.type === 'rate').map((o) => o.key))];
      const quotaKeys = [...new Set(ops.filter((o) => o.type === 'quota').map((o) => o.key))];
      const tats = new Map<string, number>();
      const quotas = new Map<string, QuotaState>();
      if (rateKeys.length) for (const r of await trx.selectFrom('ratelimit_gcra').select(['key', 'tat_ms']).where('key', 'in', rateKeys).execute()) tats.set(r.key, Number(r.tat_ms));
      if (quotaKeys.length) {
        for (const r of await trx.selectFrom('ratelimit_quota').select(['key', 'remaining', 'period_start_ms']).where('key', 'in', quotaKeys).execute()) {
          quotas.set(r.key, { remaining: Number(r.remaining), periodStartMs: Number(r.period_start_ms) });
        }
      }
      const { results, writes } = decideAll(ops, nowMs, (k) => tats.get(k), (k) => quotas.get(k));
      for (const w of writes) await write(trx, w);
      return results;
    });
  }

  private async sweep(nowMs: number): Promise<void> {
    const batch = this.options.sweepBatch ?? 10_000;
    await sql`DELETE FROM ratelimit_gcra WHERE ctid IN (SELECT ctid FROM ratelimit_gcra WHERE expires_at_ms <= ${nowMs} LIMIT ${batch})`.execute(this.db);
    await sql`DELETE FROM ratelimit_quota WHERE ctid IN (SELECT ctid FROM ratelimit_quota WHERE expires_at_ms <= ${nowMs} LIMIT ${batch})`.execute(this.db);
  }
}

async function write(trx: Transaction<Database>, w: ReturnType<typeof decideAll>['writes'][number]): Promise<void> {
  if (w.type === 'rate') {
    const expires = Math.ceil(w.tatMs);
    await trx.insertInto('ratelimit_gcra').values({ key: w.key, tat_ms: w.tatMs, expires_at_ms: expires }).onConflict((oc) => oc.column('key').doUpdateSet({ tat_ms: w.tatMs, expires_at_ms: expires })).execute();
  } else {
    const v = { remaining: w.state.remaining, period_start_ms: w.state.periodStartMs, expires_at_ms: w.expiresAtMs };
    await trx.insertInto('ratelimit_quota').values({ key: w.key, ...v }).onConflict((oc) => oc.column('key').doUpdateSet(v)).execute();
  }
}
