/**
 * Webhook events and endpoints. The event catalogue is closed (an endpoint filter names only
 * these); a feature that notifies adds its type here (docs/webhooks.md lists each with its data).
 */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.revoked',
  'key.rotated',
  'key.disabled',
  'key.exposed',
  'leak.reported',
  'anomaly.detected',
  'attestation.failed',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(s: string): s is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(s);
}

/** What a feature emits: the app it concerns (endpoints are per app) and non-secret data. */
export interface WebhookEvent {
  readonly type: WebhookEventType;
  /** null for events of no app (root keys): delivered to no endpoint. */
  readonly appId: string | null;
  /** Never a key, secret or password: ids, names, reasons. */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly appId: string;
  readonly url: string;
  readonly description: string;
  /** Event types delivered; empty means every type. */
  readonly events: readonly WebhookEventType[];
  readonly enabled: boolean;
  /** `whsec_…` sealed with lib/sealed.ts (associated data `webhook:<id>`). */
  readonly sealedSecret: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly version: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint: the outbox row. `id` is the Standard Webhooks `webhook-id`, the same on every attempt. */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly appId: string;
  readonly eventType: WebhookEventType;
  /** The exact JSON body sent on every attempt. */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAtMs: number | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface DeliveryAttempt {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly atMs: number;
  readonly statusCode: number | null;
  /** A short, non-secret reason: `timeout`, `connection refused`, `address not allowed`, `HTTP 500`. */
  readonly error: string | null;
  readonly durationMs: number;
}
