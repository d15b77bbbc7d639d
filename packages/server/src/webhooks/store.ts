import type { AuditDraft } from '../audit/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEventType } from './model.js';

export type EndpointPatch = Partial<Pick<WebhookEndpoint, 'url' | 'description' | 'events' | 'enabled' | 'sealedSecret'>>;

/** What the dispatcher decided after one attempt. */
export interface AttemptOutcome {
  readonly attempt: DeliveryAttempt;
  readonly status: DeliveryStatus;
  /** When `status` is 'pending': when to try again. */
  readonly nextAttemptAtMs: number | null;
}

/**
 * Webhook endpoints and the outbox of deliveries. Every backend passes
 * test/store/webhook-store-conformance.ts.
 *
 * Rules every implementation MUST follow (the main Store's, store/types.ts, plus these):
 *  - Endpoint mutations apply their change AND append their audit record in one transaction (the
 *    delivery log is operational and not audited). Guarded updates compare-and-set `version`.
 *  - `enqueue` writes every row or none (one transaction): an event is never half-queued.
 *  - `claimDue` is the multi-node guard: a delivery is handed to at most one caller until its lease
 *    ends (`leaseUntilMs`), however many nodes claim at once. A lease that ends without a recorded
 *    attempt (the node died) makes the delivery claimable again: delivery is at least once.
 *  - `recordAttempt` applies only while the caller still holds the lease (`owner`), and writes the
 *    attempt log row and the delivery's new state together, or neither.
 *  - Deleting an endpoint deletes its deliveries and their attempts in the same transaction.
 *  - Pruning (retention) deletes only finished deliveries, each with its attempts, or neither.
 *  - Secrets are only ever stored sealed; times are integer ms.
 */
export interface WebhookStore {
  createEndpoint(endpoint: WebhookEndpoint, audit: AuditDraft): Promise<void>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  /** Every endpoint of every app in id order after `afterId`, for master-key re-sealing. */
  listAllEndpoints(afterId: string | undefined, limit: number): Promise<readonly WebhookEndpoint[]>;
  /** One app's endpoints, oldest first. */
  listEndpoints(appId: string): Promise<readonly WebhookEndpoint[]>;
  /** 'conflict' when `expectedVersion` is stale, 'not_found' when unknown; audited only on 'ok'. */
  updateEndpoint(id: string, patch: EndpointPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /** 'ok' once, then 'not_found'. */
  deleteEndpoint(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /** Enabled endpoints of the app subscribed to `type` (an empty filter subscribes to every type). */
  subscribers(appId: string, type: WebhookEventType): Promise<readonly WebhookEndpoint[]>;
  /** Queues deliveries (status pending, attempts 0), all or none. */
  enqueue(deliveries: readonly WebhookDelivery[]): Promise<void>;
  /**
   * Up to `limit` pending deliveries due at `nowMs` whose lease is free, each now leased to
   * `owner` until `nowMs + leaseMs`; oldest due first. Never returns one another caller holds.
   */
  claimDue(nowMs: number, limit: number, owner: string, leaseMs: number): Promise<readonly WebhookDelivery[]>;
  /** Applies one attempt's outcome and frees the lease; false (nothing written) if `owner` no longer holds it. */
  recordAttempt(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  /** One endpoint's deliveries, newest first. */
  listDeliveries(endpointId: string, options: { readonly limit: number; readonly status?: DeliveryStatus }): Promise<readonly WebhookDelivery[]>;
  /** Every attempt of one delivery, first first. */
  listAttempts(deliveryId: string): Promise<readonly DeliveryAttempt[]>;
  /**
   * A failed (or pending) delivery made due again at `nowMs` (an operator's redelivery): one more
   * attempt past an exhausted budget, numbered on in the log. 'not_found' if unknown.
   */
  redeliver(id: string, nowMs: number): Promise<'ok' | 'not_found'>;
  /**
   * Retention: deletes up to `limit` finished deliveries (`delivered` or `failed`) last changed
   * before `beforeMs`, oldest first, each with its attempt log in the same transaction; returns
   * how many. Pending deliveries are never pruned (they are still owed). Racing pruners delete
   * each row once; a delivery redelivered meanwhile is `pending` again and kept.
   */
  pruneDeliveries(beforeMs: number, limit: number): Promise<number>;
}
