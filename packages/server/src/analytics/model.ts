import type { VerifyCode } from '../errors/catalogue.js';

/**
 * Verification analytics: how many verifications of which outcome, per key, app and identity,
 * in minute, hour and day buckets (UTC). Counts only — no request data, no subject, no address.
 */
export type Granularity = 'minute' | 'hour' | 'day';
export const GRANULARITIES: readonly Granularity[] = ['minute', 'hour', 'day'];

const SIZE_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The length of one bucket, milliseconds (UTC has no leap seconds in epoch time, so a day is always 86 400 000). */
export function bucketSizeMs(granularity: Granularity): number {
  return SIZE_MS[granularity];
}

/** The start of the bucket holding `atMs` (a UTC minute, hour or day boundary). */
export function bucketStart(atMs: number, granularity: Granularity): number {
  const size = SIZE_MS[granularity];
  return atMs - (((atMs % size) + size) % size);
}

/**
 * Verifications of one key with one outcome in one UTC minute. The hour and day rows are derived
 * from it by the store, so all three granularities always agree.
 */
export interface VerificationCount {
  readonly minuteStartMs: number;
  readonly appId: string;
  readonly keyId: string;
  /** The identity the key belonged to when verified; null for keys without one. */
  readonly identityId: string | null;
  readonly code: VerifyCode;
  readonly count: number;
}

/** How long each granularity is kept, in its own unit. */
export interface AnalyticsRetention {
  readonly minuteRetentionHours: number;
  readonly hourRetentionDays: number;
  readonly dayRetentionDays: number;
}

/** The oldest bucket start still kept for each granularity at `nowMs` (older rows are pruned). */
export function retentionCutoffs(nowMs: number, r: AnalyticsRetention): Record<Granularity, number> {
  return {
    minute: bucketStart(nowMs - r.minuteRetentionHours * 3_600_000, 'minute'),
    hour: bucketStart(nowMs - r.hourRetentionDays * 86_400_000, 'hour'),
    day: bucketStart(nowMs - r.dayRetentionDays * 86_400_000, 'day'),
  };
}

export interface VerificationQuery {
  readonly granularity: Granularity;
  /** Inclusive, a bucket start. */
  readonly fromMs: number;
  /** Exclusive, a bucket start. */
  readonly toMs: number;
  readonly appId?: string;
  readonly keyId?: string;
  readonly identityId?: string;
}

/** One stored total: verifications with `code` in the bucket starting at `startMs`, summed over what the query matched. */
export interface VerificationTotal {
  readonly startMs: number;
  readonly code: string;
  readonly count: number;
}

/** A bucket of the query answer: its outcomes by code (only codes that occurred), and their sum. */
export interface VerificationBucket {
  readonly startMs: number;
  readonly total: number;
  readonly valid: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

/** Groups the store's totals into buckets in time order; empty buckets are left out (sparse). */
export function toBuckets(totals: readonly VerificationTotal[]): VerificationBucket[] {
  const byStart = new Map<number, { startMs: number; total: number; valid: number; outcomes: Record<string, number> }>();
  for (const t of totals) {
    let b = byStart.get(t.startMs);
    if (!b) byStart.set(t.startMs, (b = { startMs: t.startMs, total: 0, valid: 0, outcomes: {} }));
    b.outcomes[t.code] = (b.outcomes[t.code] ?? 0) + t.count;
    b.total += t.count;
    if (t.code === 'VALID') b.valid += t.count;
  }
  return [...byStart.values()].sort((a, b) => a.startMs - b.startMs);
}
