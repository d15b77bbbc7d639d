import { InvalidArgumentError } from 'commander';
import type { KeyCredits } from '../keys/credits.js';
import { CREDIT_LIMITS } from '../keys/credits.js';
import type { KeyRateLimit } from '../keys/model.js';
import { KeywardError } from '../errors/keyward-error.js';

/**
 * Parsers for flag values. Each refuses a bad value while the command line is parsed, before any
 * store is opened, and commander names the flag in the error (`option '--credits <n>' argument
 * 'x' is invalid`); the CLI prints it as VALIDATION_FAILED with exit 2.
 */
export const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

export function int(min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be a whole number, at least ${min}` : `must be a whole number from ${min} to ${max}`);
    return Number(v);
  };
}

export function json(v: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"plan":"pro"}\'');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function isoTime(v: string): number {
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(ms)) throw new InvalidArgumentError('must be an RFC 3339 time, e.g. 2030-01-31T00:00:00Z');
  return ms;
}

/** `--rate-limit 100/60`: 100 requests per 60 seconds. */
export function rate(v: string): { rate: number; windowSeconds: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[2]) > 2_678_400) throw new InvalidArgumentError('must be REQUESTS/SECONDS, e.g. 100/60 (at most 2678400 seconds)');
  return { rate: Number(m[1]), windowSeconds: Number(m[2]) };
}

/** A usage error found after parsing (flags that go together); the message names the flags. */
export function usageError(message: string): never {
  throw new KeywardError('VALIDATION_FAILED', message);
}

/** `--rate-limit R/S [--burst B]` (or `--no-rate-limit`) → the key's own rate limit; burst defaults to R. */
export function rateLimitFrom(value: { rate: number; windowSeconds: number } | false | undefined, burst: number | undefined): KeyRateLimit | null | undefined {
  if (value === undefined) {
    if (burst !== undefined) usageError('--burst needs --rate-limit');
    return undefined;
  }
  if (value === false) return null;
  return { ...value, burst: burst ?? value.rate };
}

/** `--credits N [--refill daily|monthly|SECONDS]` (or `--no-credits`) → the key's credit settings (validated again by the service). */
export function creditsFrom(amount: number | false | undefined, refill: string | undefined): KeyCredits | null | undefined {
  if (amount === undefined || amount === false) {
    if (refill !== undefined) usageError('--refill needs --credits');
    return amount === false ? null : undefined;
  }
  if (refill === undefined) return { amount, refill: null };
  if (refill === 'daily' || refill === 'monthly') return { amount, refill };
  if (!/^\d+$/.test(refill) || Number(refill) < CREDIT_LIMITS.minIntervalSeconds) usageError(`--refill must be daily, monthly or a number of seconds (at least ${CREDIT_LIMITS.minIntervalSeconds})`);
  return { amount, refill: { intervalSeconds: Number(refill) } };
}
