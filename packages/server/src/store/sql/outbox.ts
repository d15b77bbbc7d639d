import type { Kysely } from 'kysely';
import type { WebhookDelivery, WebhookEvent, WebhookEventType } from '../../webhooks/model.js';
import { deliveriesFor, subscribes } from '../../webhooks/outbox.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * The transactional outbox (webhooks/outbox.ts builds the rows): inserts the deliveries of
 * `events` in the caller's transaction, reading the subscribed endpoints there too. Called by
 * appendAuditIn for every audit draft that carries events, so each event commits or rolls back
 * with the change it describes and its audit record. Events of no app (root keys) go nowhere.
 */
export async function enqueueEventsIn(trx: Db, events: readonly WebhookEvent[], nowMs: number): Promise<number> {
  let queued = 0;
  const byApp = new Map<string, { id: string; appId: string; enabled: boolean; events: WebhookEventType[] }[]>();
  for (const event of events) {
    if (event.appId === null) continue;
    let endpoints = byApp.get(event.appId);
    if (!endpoints) {
      const rows = await trx.selectFrom('webhook_endpoints').select(['id', 'app_id', 'enabled', 'events']).where('app_id', '=', event.appId).orderBy('created_at_ms').orderBy('id').execute();
      endpoints = rows.map((r) => ({ id: r.id, appId: r.app_id, enabled: Number(r.enabled) === 1, events: JSON.parse(r.events) as WebhookEventType[] }));
      byApp.set(event.appId, endpoints);
    }
    const deliveries = deliveriesFor(endpoints.filter((e) => subscribes(e, event.type)), event, nowMs);
    await insertDeliveries(trx, deliveries);
    queued += deliveries.length;
  }
  return queued;
}

/** Outbox rows as `WebhookStore.enqueue` and enqueueEventsIn write them (status pending, no lease). */
export async function insertDeliveries(trx: Db, deliveries: readonly WebhookDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await trx
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id,
        endpoint_id: d.endpointId,
        app_id: d.appId,
        event_type: d.eventType,
        payload: d.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at_ms: d.nextAttemptAtMs ?? d.createdAtMs,
        lease_owner: null,
        lease_until_ms: null,
        last_status_code: null,
        last_error: null,
        created_at_ms: d.createdAtMs,
        updated_at_ms: d.createdAtMs,
      })),
    )
    .execute();
}
