import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { ConfigError, DEFAULT_CONFIG, isHostPort, type KeywardConfig } from '../config/config.js';
import { loadKeyring, type Keyring } from '../lib/sealed.js';
import { PolicyLoadError, loadAccessMap } from '../policy/load.js';
import { openPostgresStore } from '../store/postgres/open.js';
import { ALL_MIGRATIONS } from '../store/sql/all-migrations.js';
import { fail, ok, skewCheck, skip, warn, type Check } from './check.js';
import { redisChecks } from './doctor-redis.js';

export { skewCheck, type Check, type CheckStatus } from './check.js';

/**
 * `keyward doctor`: each check says what it looked at, what is wrong and how to fix it. Checks
 * never change anything (no store is created, no master key generated, no migration run).
 */
export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

export interface DoctorInput {
  /** The configuration, or why it could not be loaded. */
  readonly config: KeywardConfig | ConfigError;
  readonly env: NodeJS.ProcessEnv;
  /** The Redis to check (a Cluster's first seed when the configuration lists KEYWARD_REDIS_CLUSTER_NODES). */
  readonly redisUrl?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly policy?: string;
  /** A clock difference above this fails (signatures allow `signatureSkewSeconds`; tokens and limits assume one time base). */
  readonly maxSkewMs: number;
  /** Per network check. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

const LATEST = Math.max(...ALL_MIGRATIONS.map((m) => m.version));

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const now = input.now ?? Date.now;
  const checks: Check[] = [];
  if (input.config instanceof ConfigError) {
    checks.push(fail('config', input.config.problems.join('; '), 'correct the variables or flags named above (docs/operations.md lists every option)'));
  } else {
    const config = input.config;
    checks.push(ok('config', `every KEYWARD_* variable and flag is valid; store ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`));
    const keyring = masterKeyCheck(config, input.env, checks);
    const stored = config.databaseUrl ? await postgresChecks(config, input, now, checks) : sqliteChecks(config, checks);
    if (keyring && stored) checks.push(sealedCheck(keyring, stored));
  }
  if (input.redisUrl) checks.push(...(await redisChecks(input.redisUrl, clusterSeeds(input), { timeoutMs: input.timeoutMs, maxSkewMs: input.maxSkewMs, now, keyPrefix: (input.config instanceof ConfigError ? DEFAULT_CONFIG : input.config).redisKeyPrefix })));
  else checks.push(skip('redis', 'KEYWARD_REDIS_URL is not set: shared state stays in the store'));
  checks.push(tlsCheck(input, now));
  checks.push(policyCheck(input.policy));
  return { ok: !checks.some((c) => c.status === 'fail'), checks };
}

/**
 * KEYWARD_REDIS_CLUSTER_NODES as the configuration read it; from the raw variable when the
 * configuration failed elsewhere, so a Cluster is still checked as one (the config check fails anyway).
 */
function clusterSeeds(input: DoctorInput): readonly string[] {
  if (!(input.config instanceof ConfigError)) return input.config.redisClusterNodes;
  return (input.env.KEYWARD_REDIS_CLUSTER_NODES ?? '').split(',').map((n) => n.trim()).filter(isHostPort);
}

/** The master keys every node needs, without generating the embedded one (loadKeyring would). */
function masterKeyCheck(config: KeywardConfig, env: NodeJS.ProcessEnv, checks: Check[]): Keyring | undefined {
  const shared = Boolean(config.databaseUrl);
  const embedded = path.join(config.dataDir, 'master.key');
  if (!env.KEYWARD_MASTER_KEYS && !env.KEYWARD_MASTER_KEY_FILE && !shared && !existsSync(embedded)) {
    checks.push(warn('master-key', `no KEYWARD_MASTER_KEYS, KEYWARD_MASTER_KEY_FILE or ${embedded}: start will generate one there`, 'fine for one machine; keep a copy of master.key with every backup, or set KEYWARD_MASTER_KEYS'));
    return undefined;
  }
  try {
    const keyring = loadKeyring(env, config.dataDir, shared);
    const from = env.KEYWARD_MASTER_KEYS ? 'KEYWARD_MASTER_KEYS' : env.KEYWARD_MASTER_KEY_FILE ? 'KEYWARD_MASTER_KEY_FILE' : embedded;
    checks.push(ok('master-key', `${keyring.keys.length} master key(s) from ${from}, active ${keyring.activeId}`));
    return keyring;
  } catch (err) {
    checks.push(fail('master-key', err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message, 'set KEYWARD_MASTER_KEYS=id:base64-of-32-bytes (the same on every node), or KEYWARD_MASTER_KEY_FILE'));
    return undefined;
  }
}

/** Master key ids the stored sealed values were sealed under (each sealed value is `kws1.<id>.…`). */
type StoredKeyIds = ReadonlyMap<string, number>;

const SEALED_QUERY = `SELECT sealed FROM (
  SELECT sealed_secret AS sealed FROM key_secrets WHERE sealed_secret IS NOT NULL
  UNION ALL SELECT sealed_private_jwk FROM jwt_signing_keys
  UNION ALL SELECT sealed_value FROM server_secrets
  UNION ALL SELECT sealed_secret FROM webhook_endpoints
  UNION ALL SELECT config FROM attestation_configs) s`;

function countIds(values: readonly string[]): StoredKeyIds {
  const ids = new Map<string, number>();
  // A column holds one sealed value, or (attestation_configs) a JSON document with any number of them.
  for (const v of values) {
    for (const m of v.matchAll(/kws1\.([^.]*)\./g)) ids.set(m[1]!, (ids.get(m[1]!) ?? 0) + 1);
  }
  return ids;
}

function sealedCheck(keyring: Keyring, stored: StoredKeyIds): Check {
  const have = new Set(keyring.keys.map((k) => k.id));
  const missing = [...stored].filter(([id]) => !have.has(id));
  if (missing.length) return fail('sealed-secrets', `sealed values under master key(s) not in the keyring: ${missing.map(([id, n]) => `${id} (${n})`).join(', ')}`, 'add the missing master key(s) to KEYWARD_MASTER_KEYS (keep them after the active one), then `keyward reseal`');
  const total = [...stored.values()].reduce((a, b) => a + b, 0);
  // Still readable, but the old key cannot leave the keyring yet: say so before an operator drops it.
  const older = [...stored].filter(([id]) => id !== keyring.activeId);
  const pending = older.length ? `; ${older.map(([id, n]) => `${id} (${n})`).join(', ')} not yet under the active key ${keyring.activeId}: run \`keyward reseal\` before removing ${older.length > 1 ? 'those keys' : 'that key'}` : '';
  return ok('sealed-secrets', `${total} sealed value(s), every one under a master key in the keyring${pending}`);
}

function sqliteChecks(config: KeywardConfig, checks: Check[]): StoredKeyIds | undefined {
  const file = path.join(config.dataDir, 'keyward.db');
  if (!existsSync(file)) {
    checks.push(fail('store', `no SQLite store at ${file}`, 'run `keyward init --data DIR`, or point --data / KEYWARD_DATA at the data directory'));
    return undefined;
  }
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const integrity = String((db.pragma('quick_check', { simple: true }) as string) ?? '');
    if (integrity !== 'ok') {
      checks.push(fail('store', `${file}: quick_check reports ${integrity}`, 'restore the latest `keyward backup`; keep the damaged file for inspection'));
      return undefined;
    }
    const version = Number((db.prepare('SELECT max(version) AS v FROM kw_migrations').get() as { v: number | null }).v ?? 0);
    checks.push(migrationCheck(`SQLite ${file}`, version));
    return countIds((db.prepare(SEALED_QUERY).all() as { sealed: string }[]).map((r) => r.sealed));
  } catch (err) {
    checks.push(fail('store', `${file}: ${(err as Error).message}`, 'check the file\'s permissions and that it is a Keyward store'));
    return undefined;
  } finally {
    db?.close();
  }
}

function migrationCheck(where: string, version: number): Check {
  if (version === LATEST) return ok('store', `${where}: reachable, schema version ${version}`);
  if (version > LATEST) return fail('store', `${where}: schema version ${version} is newer than this keyward (${LATEST})`, 'run the keyward version that wrote the store, or upgrade this one');
  return warn('store', `${where}: schema version ${version}; this keyward migrates to ${LATEST} on start`, 'back up first (`keyward backup`), then start one node and let it migrate');
}

async function postgresChecks(config: KeywardConfig, input: DoctorInput, now: () => number, checks: Check[]): Promise<StoredKeyIds | undefined> {
  const url = new URL(config.databaseUrl);
  const where = `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
  const store = openPostgresStore({ url: config.databaseUrl, poolSize: 1, connectTimeoutMs: input.timeoutMs, statementTimeoutMs: input.timeoutMs });
  try {
    const t0 = now();
    const r = await sql<{ ms: number | string; reg: string | null }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms, to_regclass('kw_migrations')::text AS reg`.execute(store.db);
    const t1 = now();
    checks.push(skewCheck('clock-postgres', Number(r.rows[0]!.ms), t0, t1, input.maxSkewMs));
    if (r.rows[0]!.reg == null) {
      checks.push(fail('store', `${where}: reachable, but holds no Keyward store`, 'run `keyward init` with this KEYWARD_DATABASE_URL, or `keyward store copy` to move a SQLite store here'));
      return undefined;
    }
    const v = await sql<{ v: number | null }>`SELECT max(version) AS v FROM kw_migrations`.execute(store.db);
    checks.push(migrationCheck(where, Number(v.rows[0]!.v ?? 0)));
    return countIds((await sql<{ sealed: string }>`${sql.raw(SEALED_QUERY)}`.execute(store.db)).rows.map((x) => x.sealed));
  } catch (err) {
    // The password is never shown: only host, port and database.
    checks.push(fail('store', `${where}: ${(err as Error).message}`, 'check KEYWARD_DATABASE_URL (host, port, user, password, database) and that PostgreSQL accepts connections from this host (pg_hba.conf)'));
    return undefined;
  } finally {
    await store.close().catch(() => {});
  }
}

function tlsCheck(input: DoctorInput, now: () => number): Check {
  if (!input.tlsCert && !input.tlsKey) return skip('tls', 'no --tls-cert / --tls-key given');
  if (!input.tlsCert || !input.tlsKey) return fail('tls', '--tls-cert and --tls-key go together', 'give both files');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(input.tlsCert));
  } catch (err) {
    return fail('tls', `${input.tlsCert}: ${(err as Error).message}`, 'give a readable PEM certificate (the chain, leaf first)');
  }
  let key;
  try {
    key = createPrivateKey(readFileSync(input.tlsKey));
  } catch (err) {
    return fail('tls', `${input.tlsKey}: ${(err as Error).message}`, 'give a readable, unencrypted PEM private key');
  }
  if (!cert.checkPrivateKey(key)) return fail('tls', `${input.tlsKey} is not the private key of ${input.tlsCert}`, 'pair the certificate with the key it was issued for');
  const left = Date.parse(cert.validTo) - now();
  if (left <= 0) return fail('tls', `${input.tlsCert} expired on ${cert.validTo}`, 'renew the certificate (the gateway reloads it when the file changes)');
  if (left < 14 * 86_400_000) return warn('tls', `${input.tlsCert} expires on ${cert.validTo}`, 'renew the certificate soon');
  return ok('tls', `${input.tlsCert}: ${cert.subject.replace(/\n/g, ', ')}, valid until ${cert.validTo}; key matches`);
}

function policyCheck(file: string | undefined): Check {
  if (!file) return skip('access-map', 'no --policy given');
  try {
    const map = loadAccessMap(file);
    return ok('access-map', `${file}: ${map.resources.length} resource(s)`);
  } catch (err) {
    if (err instanceof PolicyLoadError) return fail('access-map', err.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`).join('; '), 'correct the access map at the lines named (`keyward policy check FILE` explains each)');
    return fail('access-map', `${file}: ${(err as Error).message}`, 'give a readable YAML access map');
  }
}
