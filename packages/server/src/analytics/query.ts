import { KeywardError } from '../errors/keyward-error.js';
import { bucketSizeMs, bucketStart, GRANULARITIES, type Granularity, type VerificationBucket, type VerificationQuery } from './model.js';

/** The most buckets one query may span (48 h of minutes is 2 880; 2 years of days is 730). */
export const MAX_QUERY_BUCKETS = 5_000;

const DEFAULT_SPAN_MS: Record<Granularity, number> = { minute: 3_600_000, hour: 86_400_000, day: 30 * 86_400_000 };

export interface VerificationQueryInput {
  readonly granularity?: Granularity;
  /** RFC 3339 date-time or epoch milliseconds; default: one span (1 h, 24 h or 30 d) before `to`. */
  readonly from?: string | number;
  /** Default: now (the current bucket included). */
  readonly to?: string | number;
  readonly appId?: string;
  readonly keyId?: string;
  readonly identityId?: string;
}

/** How a caller names a field in messages: the API says `from`, the CLI `--from`. */
export type FieldLabel = (field: 'from' | 'to') => string;

function time(value: string | number | undefined, field: 'from' | 'to', label: FieldLabel): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new KeywardError('VALIDATION_FAILED', `${label(field)} must be an RFC 3339 date-time`, { errors: [{ pointer: `/query/${field}`, message: 'not a date-time' }] });
  return ms;
}

/**
 * A query's validated, bucket-aligned window: `from` rounds down to its bucket, `to` up to the
 * end of its bucket (so "now" includes the bucket in progress). A window that is empty, inverted
 * or wider than {@link MAX_QUERY_BUCKETS} is VALIDATION_FAILED naming the field. Pure: the clock
 * is an argument.
 */
export function resolveVerificationQuery(input: VerificationQueryInput, nowMs: number, label: FieldLabel = (f) => f): VerificationQuery {
  const granularity = input.granularity ?? 'hour';
  if (!GRANULARITIES.includes(granularity)) throw new KeywardError('VALIDATION_FAILED', 'granularity must be minute, hour or day', { errors: [{ pointer: '/query/granularity', message: 'not minute, hour or day' }] });
  const size = bucketSizeMs(granularity);
  const to = time(input.to, 'to', label) ?? nowMs;
  const from = time(input.from, 'from', label) ?? to - DEFAULT_SPAN_MS[granularity];
  if (from >= to) throw new KeywardError('VALIDATION_FAILED', `${label('from')} must be before ${label('to')}`, { errors: [{ pointer: '/query/from', message: 'must be before to' }] });
  const fromMs = bucketStart(from, granularity);
  // An explicit `to` is exclusive (rounded up to a bucket end); the default, now, includes the bucket now falls in.
  const toMs = input.to === undefined ? bucketStart(nowMs, granularity) + size : bucketStart(to - 1, granularity) + size;
  if ((toMs - fromMs) / size > MAX_QUERY_BUCKETS) {
    throw new KeywardError('VALIDATION_FAILED', `the window spans more than ${MAX_QUERY_BUCKETS} ${granularity} buckets; narrow it or use a coarser granularity`, { errors: [{ pointer: '/query/from', message: `more than ${MAX_QUERY_BUCKETS} buckets` }] });
  }
  return {
    granularity,
    fromMs,
    toMs,
    ...(input.appId !== undefined ? { appId: input.appId } : {}),
    ...(input.keyId !== undefined ? { keyId: input.keyId } : {}),
    ...(input.identityId !== undefined ? { identityId: input.identityId } : {}),
  };
}

/** The answer to a verification analytics query, as the API and the CLI print it (ISO times). */
export interface VerificationAnalytics {
  readonly granularity: Granularity;
  readonly from: string;
  readonly to: string;
  readonly buckets: { start: string; total: number; valid: number; outcomes: Record<string, number> }[];
}

export function analyticsAnswer(query: VerificationQuery, buckets: readonly VerificationBucket[]): VerificationAnalytics {
  return {
    granularity: query.granularity,
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    buckets: buckets.map((b) => ({ start: new Date(b.startMs).toISOString(), total: b.total, valid: b.valid, outcomes: { ...b.outcomes } })),
  };
}
