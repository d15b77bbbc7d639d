import type { Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { Device, DeviceStore } from '../../devices/store.js';
import type { Environment } from '../../keys/model.js';
import type { WriteOutcome } from '../types.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';

export interface DeviceTables {
  devices: {
    id: string;
    app_id: string;
    environment: string;
    platform: string;
    app_version: string | null;
    alg: string | null;
    public_jwk: string | null;
    secret_key_id: string | null;
    created_at_ms: number;
    revoked_at_ms: number | null;
  };
}
type Db = Kysely<Database>;

export const DEVICE_MIGRATIONS: readonly Migration[] = [
  {
    version: 250,
    name: 'device credentials',
    async up(db, dialect) {
      const ms = bigint(dialect);
      const d = db;
      await d.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('app_version', 'text')
        .addColumn('alg', 'text')
        .addColumn('public_jwk', 'text')
        .addColumn('secret_key_id', 'text')
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('revoked_at_ms', ms)
        .execute();
      await d.schema.createIndex('devices_app_idx').on('devices').columns(['app_id', 'environment', 'created_at_ms']).execute();
    },
  },
];

function fromRow(r: DeviceTables['devices']): Device {
  return {
    id: r.id,
    appId: r.app_id,
    environment: r.environment as Environment,
    platform: r.platform,
    appVersion: r.app_version,
    alg: r.alg as Device['alg'],
    publicJwk: r.public_jwk ? JSON.parse(r.public_jwk) : null,
    secretKeyId: r.secret_key_id,
    createdAtMs: Number(r.created_at_ms),
    revokedAtMs: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
  };
}

export class SqlDeviceStore implements DeviceStore {
  private readonly db: Db;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async insertDevice(d: Device, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('devices')
        .values({
          id: d.id,
          app_id: d.appId,
          environment: d.environment,
          platform: d.platform,
          app_version: d.appVersion,
          alg: d.alg,
          public_jwk: d.publicJwk ? JSON.stringify(d.publicJwk) : null,
          secret_key_id: d.secretKeyId,
          created_at_ms: d.createdAtMs,
          revoked_at_ms: null,
        })
        .execute();
      await appendAuditIn(trx, audit, d.createdAtMs);
    });
  }

  async getDevice(id: string): Promise<Device | undefined> {
    const r = await this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async listDevices(appId: string, environment: Environment, limit: number): Promise<readonly Device[]> {
    return (await this.db.selectFrom('devices').selectAll().where('app_id', '=', appId).where('environment', '=', environment).orderBy('created_at_ms', 'desc').limit(limit).execute()).map(fromRow);
  }

  async revokeDevice(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('devices').set({ revoked_at_ms: nowMs }).where('id', '=', id).where('revoked_at_ms', 'is', null).executeTakeFirst();
      // Already revoked is a conflict (the first revocation stands), not an unknown device.
      return guardedWrite(trx, res, { table: 'devices', id }, audit, nowMs);
    });
  }
}
