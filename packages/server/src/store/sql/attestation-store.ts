import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { AttestationPlatform } from '../../attestation/provider.js';
import type { AppInstance, AttestationConfig, DebugToken } from '../../attestation/model.js';
import type { AttestationStore } from '../../attestation/store.js';
import type { Environment } from '../../keys/model.js';
import type { WriteOutcome } from '../types.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';
import type { AttestationEvent, AttestationEventFilter } from '../../attestation/events.js';
import type { Page, PageRequest } from '../types.js';
import { ATTESTATION_EVENT_MIGRATION, listAttestationEvents, recordAttestationEvents, type AttestationEventTables } from './attestation-event-store.js';

/** The attestation tables (versions 700–799), merged into `Database`. */
export interface AttestationTables extends AttestationEventTables {
  app_instances: {
    id: string;
    app_id: string;
    environment: string;
    platform: string;
    key_id: string;
    public_key_spki: string | null;
    counter: number;
    facts: string;
    created_at_ms: number;
    last_seen_at_ms: number;
    status: string;
    revoked_at_ms: number | null;
  };
  attestation_debug_tokens: { id: string; app_id: string; name: string; token_hash: string; created_at_ms: number; revoked_at_ms: number | null };
  attestation_configs: { app_id: string; environment: string; config: string; updated_at_ms: number; version: number };
}
type Db = Kysely<Database>;

const NOW_MS_SQLITE = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;
const NOW_MS_PG = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export const ATTESTATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 700,
    name: 'app instances, attestation debug tokens and per-app attestation settings',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('app_instances')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('public_key_spki', 'text')
        .addColumn('counter', ms, (c) => c.notNull())
        .addColumn('facts', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('last_seen_at_ms', ms, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('revoked_at_ms', ms)
        .execute();
      await db.schema.createIndex('app_instances_app_idx').on('app_instances').columns(['app_id', 'environment', 'created_at_ms']).execute();
      // One active instance per attested key: a re-attestation with the same key supersedes the old one.
      await db.schema.createIndex('app_instances_one_active_key_idx').on('app_instances').columns(['app_id', 'environment', 'key_id']).unique().where(sql.ref('status'), '=', 'active').execute();
      await db.schema
        .createTable('attestation_debug_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('revoked_at_ms', ms)
        .execute();
      await db.schema
        .createTable('attestation_configs')
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('attestation_configs_pk', ['app_id', 'environment'])
        .execute();
      // Revocations reach every process's instance cache through the change log (cache/change-log.ts),
      // written by a trigger in the revoking transaction like the other kinds (migrations-shared.ts).
      if (dialect === 'sqlite') {
        await sql.raw(`CREATE TRIGGER change_log_instances AFTER UPDATE ON app_instances WHEN NEW.status <> OLD.status
          BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('instance', NEW.id, ${NOW_MS_SQLITE}); END`).execute(db);
      } else {
        await sql.raw(`CREATE FUNCTION change_log_instances_fn() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('instance', NEW.id, ${NOW_MS_PG}); RETURN NULL; END $$`).execute(db);
        await sql.raw(`CREATE TRIGGER change_log_instances AFTER UPDATE ON app_instances FOR EACH ROW WHEN (NEW.status <> OLD.status) EXECUTE FUNCTION change_log_instances_fn()`).execute(db);
      }
    },
  },
  ATTESTATION_EVENT_MIGRATION,
  {
    version: 711,
    name: 'attestation settings changes on the change log (kind app)',
    // An app's attestation settings (monitor-only, platform policy, token TTL) are app settings
    // per environment: a change reaches every node's settings cache by the feed, not by its TTL.
    async up(db, dialect) {
      if (dialect === 'sqlite') {
        for (const event of ['INSERT', 'UPDATE']) {
          await sql.raw(`CREATE TRIGGER change_log_attestation_configs_${event.toLowerCase()} AFTER ${event} ON attestation_configs
            BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('app', NEW.app_id, ${NOW_MS_SQLITE}); END`).execute(db);
        }
      } else {
        await sql.raw(`CREATE FUNCTION change_log_attestation_configs_fn() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('app', NEW.app_id, ${NOW_MS_PG}); RETURN NULL; END $$`).execute(db);
        await sql.raw(`CREATE TRIGGER change_log_attestation_configs AFTER INSERT OR UPDATE ON attestation_configs FOR EACH ROW EXECUTE FUNCTION change_log_attestation_configs_fn()`).execute(db);
      }
    },
  },
];

function instanceFromRow(r: AttestationTables['app_instances']): AppInstance {
  return {
    id: r.id,
    appId: r.app_id,
    environment: r.environment as Environment,
    platform: r.platform as AttestationPlatform,
    keyId: r.key_id,
    publicKeySpki: r.public_key_spki,
    counter: Number(r.counter),
    facts: JSON.parse(r.facts),
    createdAtMs: Number(r.created_at_ms),
    lastSeenAtMs: Number(r.last_seen_at_ms),
    status: r.status as AppInstance['status'],
    revokedAtMs: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
  };
}

function debugFromRow(r: AttestationTables['attestation_debug_tokens']): DebugToken {
  return { id: r.id, appId: r.app_id, name: r.name, tokenHash: r.token_hash, createdAtMs: Number(r.created_at_ms), revokedAtMs: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms) };
}

function configFromRow(r: AttestationTables['attestation_configs']): AttestationConfig {
  return { ...JSON.parse(r.config), appId: r.app_id, environment: r.environment as Environment, updatedAtMs: Number(r.updated_at_ms), version: Number(r.version) };
}

/** The SQL AttestationStore, for SQLite and PostgreSQL alike (the dialect only picks the row lock). */
export class SqlAttestationStore implements AttestationStore {
  private readonly db: Db;
  constructor(
    db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.db = db;
  }

  async insertInstance(i: AppInstance, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // A re-attestation of the same key replaces the instance it registered before.
      await trx.updateTable('app_instances').set({ status: 'revoked', revoked_at_ms: i.createdAtMs }).where('app_id', '=', i.appId).where('environment', '=', i.environment).where('key_id', '=', i.keyId).where('status', '=', 'active').execute();
      await trx
        .insertInto('app_instances')
        .values({
          id: i.id,
          app_id: i.appId,
          environment: i.environment,
          platform: i.platform,
          key_id: i.keyId,
          public_key_spki: i.publicKeySpki,
          counter: i.counter,
          facts: JSON.stringify(i.facts),
          created_at_ms: i.createdAtMs,
          last_seen_at_ms: i.lastSeenAtMs,
          status: i.status,
          revoked_at_ms: i.revokedAtMs,
        })
        .execute();
      await appendAuditIn(trx, audit, i.createdAtMs);
    });
  }

  async getInstance(id: string): Promise<AppInstance | undefined> {
    const r = await this.db.selectFrom('app_instances').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? instanceFromRow(r) : undefined;
  }

  async listInstances(appId: string, environment: Environment, limit: number): Promise<readonly AppInstance[]> {
    const rows = await this.db.selectFrom('app_instances').selectAll().where('app_id', '=', appId).where('environment', '=', environment).orderBy('created_at_ms', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(instanceFromRow);
  }

  async revokeInstance(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('app_instances').set({ status: 'revoked', revoked_at_ms: nowMs }).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
      return guardedWrite(trx, res, { table: 'app_instances', id }, audit, nowMs);
    });
  }

  async advanceCounter(id: string, counter: number, nowMs: number): Promise<'ok' | 'stale' | 'not_found'> {
    // The compare-and-set is the WHERE: the database decides, so two nodes cannot both accept one counter.
    const res = await this.db.updateTable('app_instances').set({ counter, last_seen_at_ms: nowMs }).where('id', '=', id).where('status', '=', 'active').where('counter', '<', counter).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return 'ok';
    const row = await this.db.selectFrom('app_instances').select('id').where('id', '=', id).executeTakeFirst();
    return row ? 'stale' : 'not_found';
  }

  async insertDebugToken(t: DebugToken, cap: number, audit: AuditDraft): Promise<'ok' | 'cap_reached'> {
    return this.db.transaction().execute(async (trx) => {
      // Serialise creations per app: a row lock on the app on PostgreSQL; SQLite has one writer.
      if (this.dialect === 'postgres') await sql`SELECT id FROM apps WHERE id = ${t.appId} FOR UPDATE`.execute(trx);
      const n = await trx.selectFrom('attestation_debug_tokens').select(sql<number>`count(*)`.as('n')).where('app_id', '=', t.appId).where('revoked_at_ms', 'is', null).executeTakeFirstOrThrow();
      if (Number(n.n) >= cap) return 'cap_reached';
      await trx.insertInto('attestation_debug_tokens').values({ id: t.id, app_id: t.appId, name: t.name, token_hash: t.tokenHash, created_at_ms: t.createdAtMs, revoked_at_ms: null }).execute();
      await appendAuditIn(trx, audit, t.createdAtMs);
      return 'ok' as const;
    });
  }

  async findDebugTokenByHash(tokenHash: string): Promise<DebugToken | undefined> {
    const r = await this.db.selectFrom('attestation_debug_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r ? debugFromRow(r) : undefined;
  }

  async getDebugToken(id: string): Promise<DebugToken | undefined> {
    const r = await this.db.selectFrom('attestation_debug_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? debugFromRow(r) : undefined;
  }

  async listDebugTokens(appId: string): Promise<readonly DebugToken[]> {
    return (await this.db.selectFrom('attestation_debug_tokens').selectAll().where('app_id', '=', appId).orderBy('created_at_ms', 'desc').orderBy('id').execute()).map(debugFromRow);
  }

  async revokeDebugToken(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('attestation_debug_tokens').set({ revoked_at_ms: nowMs }).where('id', '=', id).where('revoked_at_ms', 'is', null).executeTakeFirst();
      return guardedWrite(trx, res, { table: 'attestation_debug_tokens', id }, audit, nowMs);
    });
  }

  async getConfig(appId: string, environment: Environment): Promise<AttestationConfig | undefined> {
    const r = await this.db.selectFrom('attestation_configs').selectAll().where('app_id', '=', appId).where('environment', '=', environment).executeTakeFirst();
    return r ? configFromRow(r) : undefined;
  }

  async listAllConfigs(after: { readonly appId: string; readonly environment: Environment } | undefined, limit: number): Promise<readonly AttestationConfig[]> {
    let q = this.db.selectFrom('attestation_configs').selectAll();
    if (after) q = q.where((eb) => eb.or([eb('app_id', '>', after.appId), eb.and([eb('app_id', '=', after.appId), eb('environment', '>', after.environment)])]));
    return (await q.orderBy('app_id').orderBy('environment').limit(limit).execute()).map(configFromRow);
  }

  recordEvents(events: readonly AttestationEvent[], nowMs: number): Promise<void> {
    return recordAttestationEvents(this.db, events, nowMs);
  }

  listEvents(filter: AttestationEventFilter, page: PageRequest): Promise<Page<AttestationEvent>> {
    return listAttestationEvents(this.db, filter, page);
  }

  async putConfig(c: AttestationConfig, expectedVersion: number, audit: AuditDraft): Promise<'ok' | 'conflict'> {
    const { appId, environment, updatedAtMs, version: _v, ...body } = c;
    return this.db.transaction().execute(async (trx) => {
      if (expectedVersion === 0) {
        const inserted = await trx
          .insertInto('attestation_configs')
          .values({ app_id: appId, environment, config: JSON.stringify(body), updated_at_ms: updatedAtMs, version: 1 })
          .onConflict((oc) => oc.columns(['app_id', 'environment']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return 'conflict';
      } else {
        const res = await trx
          .updateTable('attestation_configs')
          .set({ config: JSON.stringify(body), updated_at_ms: updatedAtMs, version: expectedVersion + 1 })
          .where('app_id', '=', appId)
          .where('environment', '=', environment)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return 'conflict';
      }
      await appendAuditIn(trx, audit, updatedAtMs);
      return 'ok' as const;
    });
  }
}
