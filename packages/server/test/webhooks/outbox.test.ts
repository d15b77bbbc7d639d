import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { CLI } from '../helpers.js';
import { pgStore } from '../store/pg-harness.js';

/**
 * The transactional outbox: a change's webhook events are queued in the change's own transaction
 * (AuditDraft.events → store/sql/outbox.ts). A failure between the change and its event row (here
 * forced with a trigger on the outbox table) rolls both back; a change that commits has its event
 * row at the same instant, before any dispatcher or after-commit step ran.
 */
const opened: Keyward[] = [];
afterEach(async () => {
  for (const kw of opened.splice(0)) await kw.close();
});

async function setup(open: () => Promise<SqlStore>) {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  // webhookPollIntervalMs 0: no dispatcher runs, so every row seen here was written by the change itself.
  const kw = await createKeyward({ store: await open(), now: clock, config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, webhookAllowPrivateAddresses: true, anomalySnapshotIntervalMs: 0 } });
  opened.push(kw);
  const app = await kw.apps.create({ name: 'outbox' }, CLI);
  const { endpoint } = await kw.webhooks.create(app.id, { url: 'http://127.0.0.1:7601/hook' }, CLI);
  const key = (await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'k' }, CLI)).key;
  const deliveries = async () => (await kw.store.db.selectFrom('webhook_deliveries').select(['event_type', 'payload']).orderBy('created_at_ms').orderBy('id').execute()).map((r) => ({ type: r.event_type, data: (JSON.parse(r.payload) as { data: Record<string, unknown> }).data }));
  const auditActions = async () => (await kw.audit.list({ limit: 1000 })).filter((r) => r.target === key.id).map((r) => r.action);
  // Each step one ms later, so the outbox's creation order is the order of the steps.
  const tick = (): void => clock.advance(1);
  return { kw, app, endpoint, key, deliveries, auditActions, tick };
}

/** Makes every outbox insert fail: immediately (SQLite trigger), or at COMMIT, after the row went in (PostgreSQL deferred constraint trigger). */
async function breakOutbox(kw: Keyward, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`CREATE TRIGGER outbox_down AFTER INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'outbox down'); END`.execute(kw.store.db);
    return;
  }
  await sql`CREATE FUNCTION outbox_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$`.execute(kw.store.db);
  await sql`CREATE CONSTRAINT TRIGGER outbox_down AFTER INSERT ON webhook_deliveries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION outbox_down()`.execute(kw.store.db);
}

async function repairOutbox(kw: Keyward, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await sql`DROP TRIGGER outbox_down${dialect === 'postgres' ? sql` ON webhook_deliveries` : sql``}`.execute(kw.store.db);
}

for (const [dialect, open] of [
  ['sqlite', async () => openSqliteStore({ dataDir: ':memory:' })],
  ['postgres', () => pgStore({ migrate: false })],
] as const) {
  describe(`transactional outbox (${dialect})`, () => {
    it('a committed revoke, rotation and reissue have their events in the outbox when the call returns', async () => {
      const { kw, key, deliveries, tick } = await setup(open);
      tick();
      await kw.keys.rotate(key.id, 60, CLI);
      tick();
      await kw.keys.revoke(key.id, 'compromised', CLI);
      tick();
      const other = (await kw.keys.create({ appId: key.appId, environment: 'live', kind: 'secret', name: 'k2' }, CLI)).key;
      tick();
      const reissued = await kw.keys.reissue(other.id, CLI);
      const rows = (await deliveries()).map((d) => [d.type, d.data.keyId]);
      expect(rows.slice(0, 4)).toEqual([
        ['key.created', key.id],
        ['key.rotated', key.id],
        ['key.revoked', key.id],
        ['key.created', other.id],
      ]);
      // The reissue's two events share one transaction and one instant: in either order.
      expect(rows.slice(4).sort()).toEqual([
        ['key.created', reissued.key.id],
        ['key.revoked', other.id],
      ].sort());
    });

    it('when the event row cannot be written, the revoke is not made: key still active, no audit record, no event', async () => {
      const { kw, key, deliveries, auditActions, tick } = await setup(open);
      const before = await deliveries();
      tick();
      await breakOutbox(kw, dialect);
      // SQLite fails at the insert, inside the audited write (AUDIT_UNAVAILABLE: "not made");
      // PostgreSQL at COMMIT, after every statement of the change and the event row succeeded.
      const code = dialect === 'sqlite' ? 'AUDIT_UNAVAILABLE' : 'P0001';
      await expect(kw.keys.revoke(key.id, 'compromised', CLI)).rejects.toMatchObject({ code });
      await expect(kw.keys.rotate(key.id, 0, CLI)).rejects.toMatchObject({ code });
      expect(await kw.keys.get(key.id)).toMatchObject({ revokedAtMs: null, version: key.version });
      expect(await auditActions()).toEqual(['key.create']);
      expect(await deliveries()).toEqual(before);
      // Once the outbox takes rows again, the same call commits the change and its event together.
      await repairOutbox(kw, dialect);
      await kw.keys.revoke(key.id, 'compromised', CLI);
      expect((await kw.keys.get(key.id)).revokedAtMs).not.toBeNull();
      expect((await deliveries()).slice(before.length).map((d) => d.type)).toEqual(['key.revoked']);
      expect(await auditActions()).toEqual(['key.create', 'key.revoke']);
    });

    it('an anomaly and its event commit together, or neither is kept', async () => {
      const { kw, key, deliveries } = await setup(open);
      await breakOutbox(kw, dialect);
      kw.anomalies.keyInUrl(await kw.keys.get(key.id));
      await kw.anomalies.drain();
      expect((await kw.anomalies.list({ appId: key.appId! }, { limit: 10 })).items).toEqual([]);
      await repairOutbox(kw, dialect);
      const other = (await kw.keys.create({ appId: key.appId, environment: 'live', kind: 'secret', name: 'k3' }, CLI)).key;
      kw.anomalies.keyInUrl(other);
      await kw.anomalies.drain();
      const [anomaly] = (await kw.anomalies.list({ appId: key.appId! }, { limit: 10 })).items;
      expect(anomaly).toMatchObject({ rule: 'key_in_url', entity: other.id });
      expect((await deliveries()).filter((d) => d.type === 'anomaly.detected').map((d) => d.data.anomalyId)).toEqual([anomaly!.id]);
    });
  });
}
