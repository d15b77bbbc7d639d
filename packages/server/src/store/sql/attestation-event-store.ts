import type { Kysely } from 'kysely';
import type { AttestationEvent, AttestationEventFilter } from '../../attestation/events.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Environment } from '../../keys/model.js';
import type { Page, PageRequest } from '../types.js';
import { appendAuditIn } from './audited-write.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';

/** Aggregated attestation failures (attestation/events.ts); part of the attestation tables. */
export interface AttestationEventTables {
  attestation_events: {
    id: string;
    app_id: string;
    environment: string;
    stage: string;
    outcome: string;
    code: string;
    subject: string;
    reason: string;
    count: number;
    first_at_ms: number;
    last_at_ms: number;
  };
}

export const ATTESTATION_EVENT_MIGRATION: Migration = {
  version: 710,
  name: 'aggregated attestation failures (monitored and refused)',
  async up(db, dialect) {
    const ms = bigint(dialect);
    await db.schema
      .createTable('attestation_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('count', ms, (c) => c.notNull())
      .addColumn('first_at_ms', ms, (c) => c.notNull())
      .addColumn('last_at_ms', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('attestation_events_app_idx').on('attestation_events').columns(['app_id', 'last_at_ms', 'id']).execute();
  },
};

type Row = AttestationEventTables['attestation_events'];

const fromRow = (r: Row): AttestationEvent => ({
  id: r.id,
  appId: r.app_id,
  environment: r.environment as Environment,
  stage: r.stage as AttestationEvent['stage'],
  outcome: r.outcome as AttestationEvent['outcome'],
  code: r.code,
  subject: r.subject,
  reason: r.reason,
  count: Number(r.count),
  firstAtMs: Number(r.first_at_ms),
  lastAtMs: Number(r.last_at_ms),
});

/** Every event and its audit record in one transaction. `appId` must name an app (foreign key): occurrences come only from callers whose app was authenticated. */
export async function recordAttestationEvents(db: Kysely<Database>, events: readonly AttestationEvent[], nowMs: number): Promise<void> {
  if (events.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const e of events) {
      await trx
        .insertInto('attestation_events')
        .values({ id: e.id, app_id: e.appId, environment: e.environment, stage: e.stage, outcome: e.outcome, code: e.code, subject: e.subject, reason: e.reason, count: e.count, first_at_ms: e.firstAtMs, last_at_ms: e.lastAtMs })
        .execute();
      // The `attestation.failed` webhook is queued in the same transaction (the transactional outbox).
      const data = { eventId: e.id, environment: e.environment, stage: e.stage, outcome: e.outcome, code: e.code, subject: e.subject, reason: e.reason, count: e.count };
      const webhook = { type: 'attestation.failed' as const, appId: e.appId, data: { ...data, firstAt: new Date(e.firstAtMs).toISOString(), lastAt: new Date(e.lastAtMs).toISOString() } };
      await appendAuditIn(trx, { actor: 'system:attestation', requestId: 'attestation-events', action: 'attestation.failed', target: e.appId, data, events: [webhook] }, nowMs);
    }
  });
}

export async function listAttestationEvents(db: Kysely<Database>, filter: AttestationEventFilter, page: PageRequest): Promise<Page<AttestationEvent>> {
  let q = db.selectFrom('attestation_events').selectAll().where('app_id', '=', filter.appId).orderBy('last_at_ms', 'desc').orderBy('id', 'desc').limit(page.limit + 1);
  if (filter.environment) q = q.where('environment', '=', filter.environment);
  if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
  if (filter.stage) q = q.where('stage', '=', filter.stage);
  if (page.after) {
    const i = page.after.indexOf(':');
    const ms = Number(page.after.slice(0, i));
    if (i <= 0 || !Number.isSafeInteger(ms)) throw new KeywardError('VALIDATION_FAILED', 'the cursor is not one this API handed out');
    const id = page.after.slice(i + 1);
    q = q.where((eb) => eb.or([eb('last_at_ms', '<', ms), eb.and([eb('last_at_ms', '=', ms), eb('id', '<', id)])]));
  }
  const rows = (await q.execute()).map(fromRow);
  if (rows.length <= page.limit) return { items: rows };
  const last = rows[page.limit - 1]!;
  return { items: rows.slice(0, page.limit), next: `${last.lastAtMs}:${last.id}` };
}
