import { KeywardError } from '../errors/keyward-error.js';
import type { Keyward } from '../keyward.js';
import type { EventSeriesAnswer } from './event-series.js';
import { resolveTopKeysLimit, topKeysAnswer, type TopKeysAnswer } from './top-keys.js';
import { analyticsAnswer, resolveVerificationQuery, type FieldLabel, type VerificationAnalytics, type VerificationQueryInput } from './query.js';

/**
 * One verification analytics query, as the API route and the CLI both run it: the app or key
 * named must exist (a typo is NOT_FOUND, not an empty chart) and agree with each other;
 * `authorize` sees the app the query is about (null: every app) before anything is read.
 */
export async function queryVerificationAnalytics(
  kw: Pick<Keyward, 'analytics' | 'apps' | 'keys' | 'now'>,
  input: VerificationQueryInput,
  options: { readonly label?: FieldLabel; readonly authorize?: (appId: string | null) => void } = {},
): Promise<VerificationAnalytics> {
  const query = resolveVerificationQuery(input, kw.now(), options.label);
  // A root key kept to other apps is refused before any read, so it cannot learn whether an app exists.
  if (input.appId) {
    options.authorize?.(input.appId);
    await kw.apps.get(input.appId);
  }
  const appId = input.keyId ? (await kw.keys.get(input.keyId)).appId : (input.appId ?? null);
  if (input.appId && appId !== input.appId) throw new KeywardError('NOT_FOUND', 'the key does not belong to this app');
  options.authorize?.(appId);
  return analyticsAnswer(query, await kw.analytics.query(query));
}

/**
 * The most verified keys of an app (or of every app) in a window, ranked by the store. The same
 * window rules and app checks as {@link queryVerificationAnalytics}; `limit` is 1–100 (default 10).
 */
export async function queryTopKeys(
  kw: Pick<Keyward, 'analytics' | 'apps' | 'now'>,
  input: Omit<VerificationQueryInput, 'keyId'> & { readonly limit?: string | number },
  options: { readonly label?: FieldLabel; readonly authorize?: (appId: string | null) => void } = {},
): Promise<TopKeysAnswer> {
  const { limit: rawLimit, ...window } = input;
  const query = resolveVerificationQuery(window, kw.now(), options.label);
  const limit = resolveTopKeysLimit(rawLimit);
  // Authorized before anything is read: a root key kept to other apps learns nothing, not even whether the app exists.
  options.authorize?.(input.appId ?? null);
  if (input.appId) await kw.apps.get(input.appId);
  return topKeysAnswer(query, await kw.analytics.topKeys(query, limit));
}

/**
 * The usage overview's security and operations series (analytics/event-series.ts) for an app, or
 * every app: the same window rules as the verification analytics, authorized before anything is read.
 */
export async function queryEventSeries(
  kw: Pick<Keyward, 'eventSeries' | 'apps' | 'now'>,
  input: Pick<VerificationQueryInput, 'granularity' | 'from' | 'to' | 'appId'>,
  options: { readonly label?: FieldLabel; readonly authorize?: (appId: string | null) => void } = {},
): Promise<EventSeriesAnswer> {
  const { granularity, fromMs, toMs } = resolveVerificationQuery(input, kw.now(), options.label);
  options.authorize?.(input.appId ?? null);
  if (input.appId) await kw.apps.get(input.appId);
  return kw.eventSeries.count({ granularity, fromMs, toMs, ...(input.appId !== undefined ? { appId: input.appId } : {}) });
}
