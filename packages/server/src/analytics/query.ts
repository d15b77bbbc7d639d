import { KeywardError } from '../errors/keyward-error.js';
import { bucketSizeMs, bucketStart, type Granularity, type VerificationQuery } from './model.js';

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

function time(value: string | number | undefined, pointer: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new KeywardError('VALIDATION_FAILED', `${pointer.split('/').pop()} must be an RFC 3339 date-time`, { errors: [{ pointer, message: 'not a date-time' }] });
  return ms;
}

/**
 * A query's validated, bucket-aligned window: `from` rounds down to its bucket, `to` up to the
 * end of its bucket (so "now" includes the bucket in progress). A window that is empty, inverted
 * or wider than {@link MAX_QUERY_BUCKETS} is VALIDATION_FAILED naming the field. Pure: the clock
 * is an argument.
 */
export function resolveVerificationQuery(input: VerificationQueryInput, nowMs: number, pointerPrefix = '/query'): VerificationQuery {
  const granularity = input.granularity ?? 'hour';
  const size = bucketSizeMs(granularity);
  const to = time(input.to, `${pointerPrefix}/to`) ?? nowMs;
  const from = time(input.from, `${pointerPrefix}/from`) ?? to - DEFAULT_SPAN_MS[granularity];
  if (from >= to) throw new KeywardError('VALIDATION_FAILED', 'from must be before to', { errors: [{ pointer: `${pointerPrefix}/from`, message: 'must be before to' }] });
  const fromMs = bucketStart(from, granularity);
  // An explicit `to` is exclusive (rounded up to a bucket end); the default, now, includes the bucket now falls in.
  const toMs = input.to === undefined ? bucketStart(nowMs, granularity) + size : bucketStart(to - 1, granularity) + size;
  if ((toMs - fromMs) / size > MAX_QUERY_BUCKETS) {
    throw new KeywardError('VALIDATION_FAILED', `the window spans more than ${MAX_QUERY_BUCKETS} ${granularity} buckets; narrow it or use a coarser granularity`, { errors: [{ pointer: `${pointerPrefix}/from`, message: `more than ${MAX_QUERY_BUCKETS} buckets` }] });
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
