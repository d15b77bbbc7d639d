/**
 * The PostgreSQL dataset of issue #11's million-key rows: a Keyward store of its own database on
 * the bench's own PostgreSQL cluster (bench/pg-instance.ts: shared_buffers sized for the keys),
 * with `total` real secret keys (generated, hashed, each with its secret row), loaded by COPY
 * through psql in one transaction, and `sampleSize` of their plaintexts kept in a `bench` schema
 * beside the store for the bench to verify. The database is kept between runs and reused while
 * its row counts match, so only the first run pays the load.
 *
 * Before every run the store is brought to the state docs/operations.md ("Sizing") asks of a
 * production one, and nothing more: vacuumed and analyzed (after the bulk load, and after the
 * usage writes of earlier runs: every verified key's usage_count and last_used_at_ms are
 * flushed, which leaves a dead row version of exactly the keys the bench probes), checkpointed
 * (so no checkpoint of those writes runs during the measurement), and the lookup's tables and
 * indexes read into shared_buffers with pg_prewarm (as after any restart).
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { generateKey, parseKey } from '@keyward/protocol';
import { sha256Hex } from '../packages/server/src/lib/crypto.js';
import { newId } from '../packages/server/src/lib/ids.js';
import { openPostgresStore } from '../packages/server/src/store/postgres/open.js';
import { BENCH_PG_SETTINGS, startBenchPostgres } from './pg-instance.js';

export interface MillionDataset {
  readonly url: string;
  readonly total: number;
  /** Plaintext keys of the store, in random order. */
  readonly sample: readonly string[];
  /** For `keyward start` on this store: a fixed bench master key (it seals nothing of value, and a fixed one lets a reused store unseal what an earlier run sealed). */
  readonly masterKeys: string;
  /** What the cluster runs with and what `settle` did, for the rows' notes. */
  readonly setup: string;
  /** Stops the bench's PostgreSQL cluster (its data directory is kept). */
  stop(): Promise<void>;
}

export async function millionDataset(total: number, sampleSize: number, log: (line: string) => void): Promise<MillionDataset> {
  const name = `kw_bench_keys_${total}`;
  const server = await startBenchPostgres('million', log);
  try {
    const url = server.url(name);
    const masterKeys = `m1:${createHash('sha256').update(`keyward bench ${name}`).digest('base64')}`;
    const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => withClient(server.url('postgres'), fn);
    const exists = await admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
    if (exists && (await matches(url, total, sampleSize))) log(`reusing ${name} (${total} keys, ${sampleSize} plaintexts)`);
    else {
      if (exists) await admin((c) => c.query(`DROP DATABASE ${name} WITH (FORCE)`));
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      await build(url, total, sampleSize, log);
    }
    const setup = await settle(url, log);
    return { url, total, sample: await readSample(url), masterKeys, setup, stop: () => server.stop() };
  } catch (err) {
    await server.stop().catch(() => {});
    throw err;
  }
}

/** The relations the verification lookup reads (store/sql/key-lookup.ts; EXPLAIN: two primary-key index scans and their heap rows). */
const LOOKUP_RELATIONS = ['key_secrets', 'key_secrets_pkey', 'keys', 'keys_pkey', 'identities', 'identities_pkey'];

/** VACUUM (ANALYZE), CHECKPOINT and pg_prewarm, as the module comment says; returns what it did, for the notes. */
async function settle(url: string, log: (line: string) => void): Promise<string> {
  return withClient(url, async (c) => {
    const t0 = performance.now();
    const dead = await c.query<{ n: string }>("SELECT COALESCE(sum(n_dead_tup), 0) AS n FROM pg_stat_user_tables WHERE relname IN ('keys', 'key_secrets')");
    await c.query('VACUUM (ANALYZE) keys, key_secrets');
    await c.query('CHECKPOINT');
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    const warm = await c.query<{ blocks: string }>('SELECT COALESCE(sum(pg_prewarm(r)), 0) AS blocks FROM unnest($1::regclass[]) r', [LOOKUP_RELATIONS]);
    const mib = (Number(warm.rows[0]!.blocks) * 8192) / 1048576;
    const did = `sized as docs/operations.md ("Sizing") recommends for production: shared_buffers ${BENCH_PG_SETTINGS.shared_buffers}, which holds the lookup's tables and indexes, the rest PostgreSQL's defaults; before measuring: VACUUM (ANALYZE) of keys and key_secrets (${Number(dead.rows[0]!.n).toLocaleString('en-US')} dead row versions from earlier runs' usage writes), CHECKPOINT, pg_prewarm of the lookup's tables and indexes (${mib.toFixed(0)} MiB)`;
    log(`${did}, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return did;
  });
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function matches(url: string, total: number, sampleSize: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const meta = await client.query<{ app_id: string; total: number; sample: number }>('SELECT app_id, total, sample FROM bench.meta').catch(() => undefined);
    const row = meta?.rows[0];
    if (!row || row.total !== total || row.sample !== sampleSize) return false;
    const keys = await client.query<{ n: string }>('SELECT count(*) AS n FROM key_secrets s JOIN keys k ON k.id = s.key_id WHERE k.app_id = $1', [row.app_id]);
    const sample = await client.query<{ n: string }>('SELECT count(*) AS n FROM bench.sample');
    return Number(keys.rows[0]!.n) === total && Number(sample.rows[0]!.n) === sampleSize;
  } finally {
    await client.end();
  }
}

async function readSample(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ secret: string }>('SELECT secret FROM bench.sample ORDER BY random()')).rows.map((r) => r.secret);
  } finally {
    await client.end();
  }
}

async function build(url: string, total: number, sampleSize: number, log: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const store = openPostgresStore({ url, poolSize: 1 });
  await store.migrate();
  await store.close();
  const appId = newId('app');
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-million-'));
  try {
    // Precomputed rows as CSV files (no quoting needed: ids, hashes and key prefixes are base62/hex,
    // the JSON columns are constants without commas or quotes).
    const files = { keys: path.join(dir, 'keys.csv'), secrets: path.join(dir, 'secrets.csv'), sample: path.join(dir, 'sample.csv') };
    const out = { keys: createWriteStream(files.keys), secrets: createWriteStream(files.secrets), sample: createWriteStream(files.sample) };
    const every = Math.max(1, Math.floor(total / sampleSize));
    let sampled = 0;
    const chunk = 10_000;
    for (let done = 0; done < total; done += chunk) {
      const k: string[] = [];
      const s: string[] = [];
      const p: string[] = [];
      for (let i = done; i < Math.min(total, done + chunk); i++) {
        const key = generateKey('secret', 'live');
        const id = newId('key');
        const start = (parseKey(key) as { start: string }).start;
        k.push(`${id},${appId},live,secret,k,[],,{},[],1,${start},0,0,1,0\n`);
        s.push(`${sha256Hex(key)},${id},${start},0\n`);
        if (i % every === 0 && sampled < sampleSize) {
          p.push(`${key}\n`);
          sampled++;
        }
      }
      for (const [stream, text] of [[out.keys, k.join('')], [out.secrets, s.join('')], [out.sample, p.join('')]] as const) if (!stream.write(text)) await once(stream, 'drain');
      if ((done / chunk) % 20 === 0) log(`generating: ${done + chunk}/${total} keys`);
    }
    await Promise.all(Object.values(out).map((w) => new Promise((r) => w.end(r))));
    log(`generated ${total} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s; loading with COPY`);
    const t1 = performance.now();
    const script = [
      `INSERT INTO apps (id, name, settings, created_at_ms, updated_at_ms, version) VALUES ('${appId}', 'bench', '{"revokeKeysSeenInUrls":false,"defaultRotationGraceSeconds":0}', 0, 0, 1);`,
      `\\copy keys (id, app_id, environment, kind, name, scopes, subject, meta, ip_allow_list, enabled, start, created_at_ms, updated_at_ms, version, usage_count) FROM '${files.keys}' WITH (FORMAT csv)`,
      `\\copy key_secrets (hash, key_id, start, created_at_ms) FROM '${files.secrets}' WITH (FORMAT csv)`,
      'CREATE SCHEMA bench;',
      'CREATE TABLE bench.sample (secret text NOT NULL);',
      `\\copy bench.sample FROM '${files.sample}' WITH (FORMAT csv)`,
      'CREATE TABLE bench.meta (app_id text NOT NULL, total int NOT NULL, sample int NOT NULL);',
      `INSERT INTO bench.meta VALUES ('${appId}', ${total}, ${sampled});`,
    ].join('\n');
    await psql(url, script);
    // The visibility map, hint bits and statistics of a long-running store come from settle(); a
    // bulk import in production (`keyward store copy`) needs the same VACUUM (ANALYZE).
    log(`loaded in ${((performance.now() - t1) / 1000).toFixed(1)} s (${sampled} plaintexts kept)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a psql script in one transaction (`-1`), stopping at the first error. */
async function psql(url: string, script: string): Promise<void> {
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', url], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(script);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`psql exited ${code}: ${err.slice(-2000)}`);
}
