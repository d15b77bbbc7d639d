import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEventType } from '../../webhooks/model.js';
import type { AttemptOutcome, EndpointPatch, WebhookStore } from '../../webhooks/store.js';
import type { WriteOutcome } from '../types.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';
import { subscribes } from '../../webhooks/outbox.js';
import { insertDeliveries } from './outbox.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';

export interface WebhookTables {
  webhook_endpoints: {
    id: string;
    app_id: string;
    url: string;
    description: string;
    events: string;
    enabled: number;
    sealed_secret: string;
    created_at_ms: number;
    updated_at_ms: number;
    version: number;
  };
  /** The outbox: one row per event per endpoint. */
  webhook_deliveries: {
    id: string;
    endpoint_id: string;
    app_id: string;
    event_type: string;
    payload: string;
    status: string;
    attempts: number;
    next_attempt_at_ms: number | null;
    lease_owner: string | null;
    lease_until_ms: number | null;
    last_status_code: number | null;
    last_error: string | null;
    created_at_ms: number;
    updated_at_ms: number;
  };
  webhook_attempts: {
    delivery_id: string;
    attempt: number;
    at_ms: number;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
  };
}

type Db = Kysely<Database>;

/** Webhooks own versions 600–649 (all-migrations.ts). */
export const WEBHOOK_MIGRATIONS: readonly Migration[] = [
  {
    version: 600,
    name: 'webhook endpoints, outbox and delivery log',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('sealed_secret', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_app').on('webhook_endpoints').columns(['app_id', 'created_at_ms']).execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at_ms', ms)
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until_ms', ms)
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at_ms']).execute();
      await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at_ms']).execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at_ms', ms, (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
        .execute();
    },
  },
  {
    version: 601,
    name: 'webhook delivery retention index',
    async up(db) {
      // Retention (pruneDeliveries) reads finished deliveries by age: without this, every prune scans the table.
      await db.schema.createIndex('webhook_deliveries_finished').on('webhook_deliveries').columns(['status', 'updated_at_ms']).execute();
    },
  },
];

function endpointFromRow(r: WebhookTables['webhook_endpoints']): WebhookEndpoint {
  return {
    id: r.id,
    appId: r.app_id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events) as WebhookEventType[],
    enabled: Number(r.enabled) === 1,
    sealedSecret: r.sealed_secret,
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    version: Number(r.version),
  };
}

const numOrNull = (v: number | null): number | null => (v === null ? null : Number(v));

function deliveryFromRow(r: WebhookTables['webhook_deliveries']): WebhookDelivery {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    appId: r.app_id,
    eventType: r.event_type as WebhookEventType,
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAtMs: numOrNull(r.next_attempt_at_ms),
    lastStatusCode: numOrNull(r.last_status_code),
    lastError: r.last_error,
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
  };
}

function attemptFromRow(r: WebhookTables['webhook_attempts']): DeliveryAttempt {
  return { deliveryId: r.delivery_id, attempt: Number(r.attempt), atMs: Number(r.at_ms), statusCode: numOrNull(r.status_code), error: r.error, durationMs: Number(r.duration_ms) };
}

export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly db: Db) {}

  async createEndpoint(e: WebhookEndpoint, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_endpoints')
        .values({
          id: e.id,
          app_id: e.appId,
          url: e.url,
          description: e.description,
          events: JSON.stringify(e.events),
          enabled: e.enabled ? 1 : 0,
          sealed_secret: e.sealedSecret,
          created_at_ms: e.createdAtMs,
          updated_at_ms: e.updatedAtMs,
          version: e.version,
        })
        .execute();
      await appendAuditIn(trx, audit, e.createdAtMs);
    });
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? endpointFromRow(row) : undefined;
  }

  async listAllEndpoints(afterId: string | undefined, limit: number): Promise<readonly WebhookEndpoint[]> {
    let q = this.db.selectFrom('webhook_endpoints').selectAll().orderBy('id').limit(limit);
    if (afterId) q = q.where('id', '>', afterId);
    return (await q.execute()).map(endpointFromRow);
  }

  async listEndpoints(appId: string): Promise<readonly WebhookEndpoint[]> {
    return (await this.db.selectFrom('webhook_endpoints').selectAll().where('app_id', '=', appId).orderBy('created_at_ms').orderBy('id').execute()).map(endpointFromRow);
  }

  async updateEndpoint(id: string, patch: EndpointPatch, expectedVersion: number, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('webhook_endpoints')
        .set({
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
          ...(patch.sealedSecret !== undefined ? { sealed_secret: patch.sealedSecret } : {}),
          updated_at_ms: nowMs,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return guardedWrite(trx, res, { table: 'webhook_endpoints', id }, audit, nowMs);
    });
  }

  async deleteEndpoint(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', trx.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id)).execute();
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      const res = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) !== 1) return 'not_found';
      await appendAuditIn(trx, audit, nowMs);
      return 'ok';
    });
  }

  async subscribers(appId: string, type: WebhookEventType): Promise<readonly WebhookEndpoint[]> {
    const all = (await this.db.selectFrom('webhook_endpoints').selectAll().where('app_id', '=', appId).where('enabled', '=', 1).orderBy('created_at_ms').execute()).map(endpointFromRow);
    return all.filter((e) => subscribes(e, type));
  }

  async enqueue(deliveries: readonly WebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db.transaction().execute((trx) => insertDeliveries(trx, deliveries));
  }

  async claimDue(nowMs: number, limit: number, owner: string, leaseMs: number): Promise<readonly WebhookDelivery[]> {
    const candidates = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at_ms', '<=', nowMs)
      .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<=', nowMs)]))
      .orderBy('next_attempt_at_ms')
      .limit(limit)
      .execute();
    const claimed: WebhookDelivery[] = [];
    for (const { id } of candidates) {
      // The claim is this guarded UPDATE: the WHERE repeats the free-lease condition, so of two
      // nodes claiming one row exactly one matches (PostgreSQL re-checks it after the row lock).
      const res = await this.db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: owner, lease_until_ms: nowMs + leaseMs })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<=', nowMs)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      if (row && row.lease_owner === owner) claimed.push(deliveryFromRow(row));
    }
    return claimed;
  }

  async recordAttempt(deliveryId: string, owner: string, o: AttemptOutcome): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('webhook_deliveries')
        .set({
          status: o.status,
          attempts: o.attempt.attempt,
          next_attempt_at_ms: o.status === 'pending' ? o.nextAttemptAtMs : null,
          last_status_code: o.attempt.statusCode,
          last_error: o.attempt.error,
          lease_owner: null,
          lease_until_ms: null,
          updated_at_ms: o.attempt.atMs,
        })
        .where('id', '=', deliveryId)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('webhook_attempts')
        .values({ delivery_id: deliveryId, attempt: o.attempt.attempt, at_ms: o.attempt.atMs, status_code: o.attempt.statusCode, error: o.attempt.error, duration_ms: o.attempt.durationMs })
        .execute();
      return true;
    });
  }

  async getDelivery(id: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? deliveryFromRow(row) : undefined;
  }

  async listDeliveries(endpointId: string, options: { readonly limit: number; readonly status?: DeliveryStatus }): Promise<readonly WebhookDelivery[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at_ms', 'desc').orderBy('id', 'desc').limit(options.limit);
    if (options.status) q = q.where('status', '=', options.status);
    return (await q.execute()).map(deliveryFromRow);
  }

  async listAttempts(deliveryId: string): Promise<readonly DeliveryAttempt[]> {
    return (await this.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute()).map(attemptFromRow);
  }

  async pruneDeliveries(beforeMs: number, limit: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const ids = (
        await trx.selectFrom('webhook_deliveries').select('id').where('status', 'in', ['delivered', 'failed']).where('updated_at_ms', '<', beforeMs).orderBy('updated_at_ms').limit(limit).execute()
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      // Lock them first with an UPDATE that repeats the condition (PostgreSQL re-checks it after
      // the row lock, and a racing redelivery then waits for this commit and finds nothing): a
      // delivery made pending again since the SELECT stays, with its log. The attempts go before
      // their delivery (they reference it).
      const gone = (
        await trx.updateTable('webhook_deliveries').set({ lease_owner: 'pruning' }).where('id', 'in', ids).where('status', 'in', ['delivered', 'failed']).where('updated_at_ms', '<', beforeMs).returning('id').execute()
      ).map((r) => r.id);
      if (gone.length === 0) return 0;
      await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', gone).execute();
      await trx.deleteFrom('webhook_deliveries').where('id', 'in', gone).execute();
      return gone.length;
    });
  }

  async redeliver(id: string, nowMs: number): Promise<'ok' | 'not_found'> {
    const res = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at_ms: nowMs, updated_at_ms: nowMs })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1 ? 'ok' : 'not_found';
  }
}
