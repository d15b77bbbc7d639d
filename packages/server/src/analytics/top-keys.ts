import { KeywardError } from '../errors/keyward-error.js';
import type { Granularity, VerificationQuery } from './model.js';

/** How many keys a top-keys answer names by default, and at most (one bounded ORDER BY … LIMIT in the store). */
export const TOP_KEYS_DEFAULT_LIMIT = 10;
export const TOP_KEYS_MAX_LIMIT = 100;

/**
 * One key's verifications in a window, as the store ranks them, with what the dashboard shows of
 * the key. The key fields are null when the key row is gone (counts carry no foreign key, so a
 * deleted app's keys may still be counted until their buckets age out). Never a hash or a secret.
 */
export interface KeyTotal {
  readonly keyId: string;
  readonly total: number;
  readonly valid: number;
  readonly name: string | null;
  readonly environment: string | null;
  readonly kind: string | null;
  /** The key's display prefix (`start`, as the key view names it). */
  readonly start: string | null;
}

/**
 * The page size of a top-keys query: absent is the default; anything but an integer in
 * 1…{@link TOP_KEYS_MAX_LIMIT} is VALIDATION_FAILED naming `limit`, so one request can never ask the
 * store to rank and return an unbounded number of keys.
 */
export function resolveTopKeysLimit(value: string | number | undefined, label = 'limit'): number {
  if (value === undefined) return TOP_KEYS_DEFAULT_LIMIT;
  const n = typeof value === 'number' ? value : /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > TOP_KEYS_MAX_LIMIT) {
    throw new KeywardError('VALIDATION_FAILED', `${label} must be an integer from 1 to ${TOP_KEYS_MAX_LIMIT}`, { errors: [{ pointer: '/query/limit', message: `not an integer from 1 to ${TOP_KEYS_MAX_LIMIT}` }] });
  }
  return n;
}

/** The answer to a top-keys query, as the API prints it (ISO times). */
export interface TopKeysAnswer {
  readonly granularity: Granularity;
  readonly from: string;
  readonly to: string;
  readonly keys: { keyId: string; name: string | null; environment: string | null; kind: string | null; start: string | null; total: number; valid: number; rejected: number }[];
}

export function topKeysAnswer(query: VerificationQuery, totals: readonly KeyTotal[]): TopKeysAnswer {
  return {
    granularity: query.granularity,
    from: new Date(query.fromMs).toISOString(),
    to: new Date(query.toMs).toISOString(),
    keys: totals.map((t) => ({ keyId: t.keyId, name: t.name, environment: t.environment, kind: t.kind, start: t.start, total: t.total, valid: t.valid, rejected: t.total - t.valid })),
  };
}
