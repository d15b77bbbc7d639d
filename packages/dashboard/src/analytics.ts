import { api } from './api.js';
import type { Analytics, Granularity, TopKeys } from './chart-data.js';
import type { EventSeries } from './series-data.js';

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

/** The app's most verified keys in the window, ranked by the server in one request (`GET /v1/analytics/top-keys`). */
export function fetchTopKeys(appId: string, granularity: Granularity, limit = 10): Promise<TopKeys> {
  return api<TopKeys>('GET', `/v1/analytics/top-keys?${new URLSearchParams({ appId, granularity, limit: String(limit) })}`);
}

/** The app's attestation, leak, anomaly and webhook series (`GET /v1/analytics/events`). */
export function fetchEventSeries(appId: string, granularity: Granularity): Promise<EventSeries> {
  return api<EventSeries>('GET', `/v1/analytics/events?${new URLSearchParams({ appId, granularity })}`);
}
