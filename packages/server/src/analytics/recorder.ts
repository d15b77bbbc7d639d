import type { KeyDecision } from '../keys/decide.js';
import type { KeyRecord } from '../keys/model.js';
import type { Clock } from '../lib/clock.js';
import { FlushBuffer } from '../lib/flush-buffer.js';
import { bucketStart, GRANULARITIES, retentionCutoffs, toBuckets, type AnalyticsRetention, type Granularity, type VerificationBucket, type VerificationCount, type VerificationQuery } from './model.js';
import type { AnalyticsStore } from './store.js';

type Pending = { -readonly [K in keyof VerificationCount]: VerificationCount[K] };

export interface VerificationRecorderOptions {
  readonly store: AnalyticsStore;
  readonly now: Clock;
  /** How often pending counts are written (the usage counters' interval); 0 = only on `flush`/`stop`. */
  readonly flushIntervalMs: number;
  readonly retention: AnalyticsRetention;
  /** Pruning runs after a flush at most this often (default 10 minutes). */
  readonly pruneIntervalMs?: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * The identity a key belongs to. Keys gain an optional `identityId` with identities (issue #10);
 * until then every key answers null and the identity dimension stays empty.
 */
function identityOf(key: KeyRecord): string | null {
  return (key as KeyRecord & { readonly identityId?: string | null }).identityId ?? null;
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
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: VerificationRecorderOptions) {
    this.pruneIntervalMs = options.pruneIntervalMs ?? 600_000;
    this.buffer = new FlushBuffer<Pending>({
      flushIntervalMs: options.flushIntervalMs,
      ...(options.onError ? { onError: options.onError } : {}),
      write: (batch) => options.store.addVerifications([...batch.values()]),
      merge: (into, from) => {
        into.count += from.count;
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
    const minuteStartMs = bucketStart(this.options.now(), 'minute');
    const id = `${minuteStartMs}|${key.id}|${decision.code}`;
    const p = this.buffer.get(id);
    if (p) p.count++;
    else this.buffer.set(id, { minuteStartMs, appId: key.appId, keyId: key.id, identityId: identityOf(key), code: decision.code, count: 1 });
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
}

export type { Granularity };
