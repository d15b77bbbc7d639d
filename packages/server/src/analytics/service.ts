import { KeywardError } from '../errors/keyward-error.js';
import type { Keyward } from '../keyward.js';
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
  if (input.appId) await kw.apps.get(input.appId);
  const appId = input.keyId ? (await kw.keys.get(input.keyId)).appId : (input.appId ?? null);
  if (input.appId && appId !== input.appId) throw new KeywardError('NOT_FOUND', 'the key does not belong to this app');
  options.authorize?.(appId);
  return analyticsAnswer(query, await kw.analytics.query(query));
}
