import { newId } from '../lib/ids.js';
import type { WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType } from './model.js';

/**
 * The outbox rows of one event: one delivery per subscribed endpoint, all with the same body.
 * Pure (but for fresh ids), so the store can build them inside the transaction of the change the
 * event describes (store/sql/outbox.ts): the change and its notification commit together.
 */

/** Whether an endpoint takes events of `type`: enabled, and an empty filter or one naming it. */
export function subscribes(e: Pick<WebhookEndpoint, 'enabled' | 'events'>, type: WebhookEventType): boolean {
  return e.enabled && (e.events.length === 0 || e.events.includes(type));
}

export function deliveriesFor(endpoints: readonly Pick<WebhookEndpoint, 'id' | 'appId'>[], event: WebhookEvent, nowMs: number): WebhookDelivery[] {
  // The Standard Webhooks payload shape: {type, timestamp, data}; the same body on every attempt.
  const payload = JSON.stringify({ type: event.type, timestamp: new Date(nowMs).toISOString(), data: { appId: event.appId, ...event.data } });
  return endpoints.map((e) => ({
    id: newId('whd'),
    endpointId: e.id,
    appId: e.appId,
    eventType: event.type,
    payload,
    status: 'pending',
    attempts: 0,
    nextAttemptAtMs: nowMs,
    lastStatusCode: null,
    lastError: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  }));
}
