import type { VerifyCode } from '../errors/catalogue.js';
import type { KeyDecision } from '../keys/decide.js';
import type { KeyRecord } from '../keys/model.js';
import type { Clock } from '../lib/clock.js';
import { FlushBuffer } from '../lib/flush-buffer.js';
import { bucketStart, GRANULARITIES, retentionCutoffs, toBuckets, type AnalyticsRetention, type VerificationBucket, type VerificationCount, type VerificationQuery } from './model.js';
import type { AnalyticsStore } from './store.js';
import type { KeyTotal } from './top-keys.js';

/** One key's counts in one minute, by code. */
interface Pending {
  readonly minuteStartMs: number;
  readonly appId: string;
  readonly keyId: string;
  readonly identityId: string | null;
  readonly counts: Map<VerifyCode, number>;
}

function toCounts(p: Pending): VerificationCount[] {
  return [...p.counts].map(([code, count]) => ({ minuteStartMs: p.minuteStartMs, appId: p.appId, keyId: p.keyId, identityId: p.identityId, code, count }));
}

export interface VerificationRecorderOptions {
  readonly store: AnalyticsStore;
  readonly now: Clock;
  /** How often pending counts are written (the usage counters' interval); 0 = only on `flush`/`stop`. */
  readonly flushIntervalMs: number;
  readonly retention: AnalyticsRetention;
  /** Pruning runs after a flush at most this often (default 10 minutes). */
  readonly pruneIntervalMs?: number;
  /**
   * Pending (minute, key) entries kept at most (default 1,000,000). Normally a flush takes them
   * every interval; while the store refuses flushes they pile up one per key per minute, so at
   * the cap a new entry's counts are dropped (and counted in `droppedEntries`) rather than
   * growing the process without bound. Analytics are operational figures, not a ledger.
   */
  readonly maxPendingEntries?: number;
  readonly onError?: (err: unknown) => void;
}

/** The identity a key belongs to (identities/), null for keys without one. */
function identityOf(key: KeyRecord): string | null {
  return key.identityId ?? null;
}

/**
 * Counts every key verification's outcome in memory, per (UTC minute, key, code), and writes the
 * counts in batches through the same flush mechanism as usage counters (lib/flush-buffer.ts):
 * a verification costs a map update, never a store write. Hour and day rows are derived by the
 * store from the minute counts in the same transaction. Old rows are pruned after a flush, per
 * granularity, as configured (`analytics*Retention*`).
 *
 * What is counted: verifications of an app's keys that reached a decision about a real key
 * (valid or refused: revoked, expired, rate-limited, …). Root keys authenticating to the admin
 * API are operators, not app traffic; unknown and malformed keys have no key or app to count
 * against (metrics count them: keyward_verifications_total).
 */
export class VerificationRecorder {
  private readonly buffer: FlushBuffer<Pending>;
  private readonly pruneIntervalMs: number;
  /** The first prune is due one interval after start-up, so a short-lived CLI process never spends a write on it. */
  private lastPruneMs: number;
  /**
   * The current minute's entries by key id: `record` runs on every verification, so it finds its
   * entry with one map lookup on the (already hashed) key id instead of building a composite key.
   * Dropped when the minute turns or a flush takes the entries.
   */
  private current = new Map<string, Pending>();
  private currentMinuteMs = Number.NaN;
  private currentGeneration = -1;
  private readonly maxPending: number;
  /** Entries refused at the cap since start-up (their counts are lost). */
  droppedEntries = 0;

  constructor(private readonly options: VerificationRecorderOptions) {
    this.pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
    this.maxPending = options.maxPendingEntries ?? 1_000_000;
    this.lastPruneMs = options.now();
    this.buffer = new FlushBuffer<Pending>({
      flushIntervalMs: options.flushIntervalMs,
      ...(options.onError ? { onError: options.onError } : {}),
      write: (batch) => options.store.addVerifications([...batch.values()].flatMap(toCounts)),
      merge: (into, from) => {
        for (const [code, n] of from.counts) into.counts.set(code, (into.counts.get(code) ?? 0) + n);
      },
      afterFlush: () => this.pruneIfDue(),
    });
  }

  start(): void {
    this.buffer.start();
  }

  /** Called with every key decision (KeyVerifier's onDecision). Synchronous, no I/O, never throws. */
  record(decision: KeyDecision): void {
    const key = decision.key;
    if (!key || key.appId === null) return;
    // This runs on refusals of real keys too, so it must stay about as cheap as nothing: an unknown
    // key never gets here, and bench/cases/verify-timing.bench.ts keeps the two within 1.5×.
    const minuteStartMs = bucketStart(this.options.now(), 'minute');
    if (minuteStartMs !== this.currentMinuteMs || this.buffer.generation !== this.currentGeneration) {
      this.current = new Map();
      this.currentMinuteMs = minuteStartMs;
      this.currentGeneration = this.buffer.generation;
    }
    let p = this.current.get(key.id);
    if (!p) {
      const id = `${minuteStartMs}|${key.id}`;
      p = this.buffer.get(id);
      if (!p) {
        if (this.buffer.size >= this.maxPending) {
          this.droppedEntries++;
          return;
        }
        this.buffer.set(id, (p = { minuteStartMs, appId: key.appId, keyId: key.id, identityId: identityOf(key), counts: new Map() }));
      }
      this.current.set(key.id, p);
    }
    p.counts.set(decision.code, (p.counts.get(decision.code) ?? 0) + 1);
  }

  /** Counts not yet written (for tests and shutdown logs). */
  get pendingEntries(): number {
    return this.buffer.size;
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Writes what is pending (shutdown). */
  stop(): Promise<void> {
    return this.buffer.stop();
  }

  /** Deletes rows older than each granularity's retention; returns how many. */
  async prune(): Promise<number> {
    const nowMs = this.options.now();
    this.lastPruneMs = nowMs;
    const cutoffs = retentionCutoffs(nowMs, this.options.retention);
    let deleted = 0;
    for (const g of GRANULARITIES) deleted += await this.options.store.pruneVerifications(g, cutoffs[g]);
    return deleted;
  }

  private async pruneIfDue(): Promise<void> {
    if (this.options.now() - this.lastPruneMs >= this.pruneIntervalMs) await this.prune();
  }

  /**
   * The buckets of a query, this process's pending counts written first (so an operator sees the
   * verifications just made; other nodes' counts arrive within their flush interval).
   */
  async query(query: VerificationQuery): Promise<VerificationBucket[]> {
    await this.flush();
    return toBuckets(await this.options.store.queryVerifications(query));
  }

  /** The most verified keys of a query's window, pending counts written first (like `query`). */
  async topKeys(query: VerificationQuery, limit: number): Promise<readonly KeyTotal[]> {
    await this.flush();
    return this.options.store.topKeys(query, limit);
  }
}
