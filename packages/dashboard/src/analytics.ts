import { api } from './api.js';
import type { Analytics, Granularity } from './chart-data.js';

/** The windows the usage views offer: the API's default span for each granularity. */
export const WINDOWS: readonly { readonly granularity: Granularity; readonly label: string }[] = [
  { granularity: 'minute', label: 'last hour, per minute' },
  { granularity: 'hour', label: 'last 24 hours, per hour' },
  { granularity: 'day', label: 'last 30 days, per day' },
];

/** One verification analytics query (`GET /v1/analytics/verifications`) for a key or an app. */
export function fetchAnalytics(filter: { keyId: string } | { appId: string }, granularity: Granularity): Promise<Analytics> {
  const q = new URLSearchParams({ granularity, ...filter });
  return api<Analytics>('GET', `/v1/analytics/verifications?${q}`);
}
