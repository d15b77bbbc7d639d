import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/lib/sealed.js';
import { ALL_MIGRATIONS } from '../../src/store/sql/all-migrations.js';
import { runMigrations } from '../../src/store/sql/migrations.js';
import type { TokenDb } from '../../src/store/sql/migrations-tokens.js';
import { SqlTokenStore } from '../../src/store/sql/token-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { pgStore } from '../store/pg-harness.js';
import { generateSigningKey } from '../../src/tokens/signing-keys.js';
import { tokenStoreConformance } from './token-store-conformance.js';

async function sqlite(dataDir: string) {
  const sql = openSqliteStore({ dataDir });
  await sql.migrate();
  return wrap(sql);
}

function wrap(sql: SqlStore) {
  return { store: new SqlTokenStore(sql.db), audit: () => sql.listAudit({ limit: 1000 }), close: () => sql.close(), db: sql.db as unknown as TokenDb };
}

tokenStoreConformance('sqlite (memory)', () => sqlite(':memory:'));
tokenStoreConformance('postgres', async () => wrap(await pgStore()));

const dirs: string[] = [];
tokenStoreConformance('sqlite (file, WAL)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-tokens-'));
  dirs.push(dir);
  return sqlite(dir);
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SQL token tables', () => {
  it('the database itself refuses a second active key for one algorithm (the index, not application code)', async () => {
    const h = await sqlite(':memory:');
    const keyring = new Keyring([{ id: 'k1', key: randomBytes(32) }]);
    const row = (alg: 'EdDSA' | 'ES256') => {
      const k = generateSigningKey(alg, keyring, 1);
      return { kid: k.kid, alg, public_jwk: '{}', sealed_private_jwk: k.sealedPrivateJwk, state: 'active', created_at_ms: 1, activates_at_ms: 1, retire_after_ms: null };
    };
    await h.db.insertInto('jwt_signing_keys').values(row('EdDSA')).execute();
    await h.db.insertInto('jwt_signing_keys').values(row('ES256')).execute();
    await expect(h.db.insertInto('jwt_signing_keys').values(row('EdDSA')).execute()).rejects.toThrow(/UNIQUE/);
    await h.db.insertInto('jwt_signing_keys').values({ ...row('EdDSA'), state: 'published' }).execute();
    await h.close();
  });

  it('the database itself refuses a second pending key for one algorithm', async () => {
    const h = await sqlite(':memory:');
    const keyring = new Keyring([{ id: 'k1', key: randomBytes(32) }]);
    const row = (alg: 'EdDSA' | 'ES256') => {
      const k = generateSigningKey(alg, keyring, 1, 1000);
      return { kid: k.kid, alg, public_jwk: '{}', sealed_private_jwk: k.sealedPrivateJwk, state: 'pending', created_at_ms: 1, activates_at_ms: 1000, retire_after_ms: null };
    };
    await h.db.insertInto('jwt_signing_keys').values(row('EdDSA')).execute();
    await h.db.insertInto('jwt_signing_keys').values(row('ES256')).execute();
    await expect(h.db.insertInto('jwt_signing_keys').values(row('EdDSA')).execute()).rejects.toThrow(/UNIQUE/);
    await h.close();
  });

  it('migration 102 backfills activates_at_ms with created_at_ms: keys from before it signed at once', async () => {
    const sql = openSqliteStore({ dataDir: ':memory:' });
    await runMigrations(sql.db, 'sqlite', ALL_MIGRATIONS.filter((m) => m.version <= 101), 0);
    const keyring = new Keyring([{ id: 'k1', key: randomBytes(32) }]);
    const k = generateSigningKey('EdDSA', keyring, 1234);
    const db = sql.db as unknown as TokenDb;
    await db.insertInto('jwt_signing_keys').values({ kid: k.kid, alg: k.alg, public_jwk: JSON.stringify(k.publicJwk), sealed_private_jwk: k.sealedPrivateJwk, state: 'active', created_at_ms: 1234 } as never).execute();
    await sql.migrate();
    expect(await new SqlTokenStore(sql.db).listSigningKeys()).toEqual([{ ...k, activatesAtMs: 1234 }]);
    await sql.close();
  });
});
