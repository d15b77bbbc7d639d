import { sql, type Kysely } from 'kysely';
import type { AuditDraft } from '../../audit/model.js';
import type { Environment } from '../../keys/model.js';
import type { ServerSecret } from '../../secrets/model.js';
import type { SecretStore } from '../../secrets/store.js';
import type { WriteOutcome } from '../types.js';
import { type Migration, bigint } from './migrations.js';
import type { Database } from './schema.js';
import { appendAuditIn, guardedWrite } from './audited-write.js';

export interface SecretTables {
  server_secrets: {
    id: string;
    app_id: string;
    environment: string;
    name: string;
    description: string;
    sealed_value: string;
    hint: string;
    created_at_ms: number;
    updated_at_ms: number;
    version: number;
  };
}

type Db = Kysely<Database>;

export const SECRET_MIGRATIONS: readonly Migration[] = [
  {
    version: 300,
    name: 'server-held secrets',
    async up(db, dialect) {
      const ms = bigint(dialect);
      await db.schema
        .createTable('server_secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('sealed_value', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', ms, (c) => c.notNull())
        .addColumn('updated_at_ms', ms, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addUniqueConstraint('server_secrets_name_uq', ['app_id', 'environment', 'name'])
        .execute();
    },
  },
];

function fromRow(r: SecretTables['server_secrets']): ServerSecret {
  return {
    id: r.id,
    appId: r.app_id,
    environment: r.environment as Environment,
    name: r.name,
    description: r.description,
    sealedValue: r.sealed_value,
    hint: r.hint,
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    version: Number(r.version),
  };
}

export class SqlSecretStore implements SecretStore {
  private readonly db: Db;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async getSecret(id: string): Promise<ServerSecret | undefined> {
    const row = await this.db.selectFrom('server_secrets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async findSecretByName(appId: string, environment: Environment, name: string): Promise<ServerSecret | undefined> {
    const row = await this.db
      .selectFrom('server_secrets')
      .selectAll()
      .where('app_id', '=', appId)
      .where('environment', '=', environment)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async listSecrets(appId: string, environment?: Environment): Promise<readonly ServerSecret[]> {
    let q = this.db.selectFrom('server_secrets').selectAll().where('app_id', '=', appId).orderBy('name');
    if (environment) q = q.where('environment', '=', environment);
    return (await q.execute()).map(fromRow);
  }

  async listAllSecrets(afterId: string | undefined, limit: number): Promise<readonly ServerSecret[]> {
    let q = this.db.selectFrom('server_secrets').selectAll().orderBy('id').limit(limit);
    if (afterId) q = q.where('id', '>', afterId);
    return (await q.execute()).map(fromRow);
  }

  async createSecret(s: ServerSecret, audit: AuditDraft): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('server_secrets')
        .values({
          id: s.id,
          app_id: s.appId,
          environment: s.environment,
          name: s.name,
          description: s.description,
          sealed_value: s.sealedValue,
          hint: s.hint,
          created_at_ms: s.createdAtMs,
          updated_at_ms: s.updatedAtMs,
          version: s.version,
        })
        .execute();
      await appendAuditIn(trx, audit, s.createdAtMs);
    });
  }

  async updateSecret(
    id: string,
    patch: { sealedValue?: string; hint?: string; description?: string },
    expectedVersion: number,
    nowMs: number,
    audit: AuditDraft,
  ): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('server_secrets')
        .set({
          ...(patch.sealedValue !== undefined ? { sealed_value: patch.sealedValue } : {}),
          ...(patch.hint !== undefined ? { hint: patch.hint } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          updated_at_ms: nowMs,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return guardedWrite(trx, res, { table: 'server_secrets', id }, audit, nowMs);
    });
  }

  async deleteSecret(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('server_secrets').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) !== 1) return 'not_found';
      await appendAuditIn(trx, audit, nowMs);
      return 'ok';
    });
  }
}
