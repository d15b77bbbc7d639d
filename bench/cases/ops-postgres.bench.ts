import { randomBytes } from 'node:crypto';
import { generateKey, parseKey } from '@keyward/protocol';
import pg from 'pg';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { sha256Hex } from '../../packages/server/src/lib/crypto.js';
import { newId } from '../../packages/server/src/lib/ids.js';
import { openPostgresStore } from '../../packages/server/src/store/postgres/open.js';
import { percentile, type BenchCase } from '../lib.js';

const PG_URL = process.env.KEYWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * #11 performance rows on PostgreSQL, in a private schema dropped afterwards:
 *  - a cache miss with 1,000,000 keys in the store: p99 under 2 ms (baseline: the same lookup as
 *    one raw prepared statement on a pg client);
 *  - memory: resident size of a node with those keys and a full verification cache
 *    (`cacheMaxEntries` real keys verified), and the bytes each cached key costs.
 *
 * Seeding: the keys the bench verifies are real (generated, hashed, inserted in batches); the rest
 * of the million are filler rows made in the database by generate_series, so the indexes have
 * their full size without a million round trips.
 */
const bench: BenchCase = {
  name: 'PostgreSQL: cache misses and memory with 1,000,000 keys',
  async run({ quick, log }) {
    const total = quick ? 100_000 : 1_000_000;
    const cacheEntries = quick ? 10_000 : 100_000;
    const schema = `kw_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const seedStore = openPostgresStore({ url: PG_URL, schema, poolSize: 1 });
      await seedStore.migrate();
      await seedStore.close();
      await admin.query(`SET search_path = ${schema}`);
      const appId = newId('app');
      await admin.query(`INSERT INTO apps (id, name, settings, created_at_ms, updated_at_ms, version) VALUES ($1, 'bench', '{"revokeKeysSeenInUrls":false,"defaultRotationGraceSeconds":0}', 0, 0, 1)`, [appId]);
      const real: string[] = [];
      const t0 = performance.now();
      for (let done = 0; done < cacheEntries; done += 1000) {
        const ids: string[] = [];
        const hashes: string[] = [];
        const starts: string[] = [];
        for (let i = 0; i < 1000; i++) {
          const key = generateKey('secret', 'live');
          real.push(key);
          ids.push(newId('key'));
          hashes.push(sha256Hex(key));
          starts.push((parseKey(key) as { start: string }).start);
        }
        await admin.query(
          `INSERT INTO keys (id, app_id, environment, kind, name, scopes, subject, meta, ip_allow_list, enabled, start, created_at_ms, updated_at_ms, version, usage_count)
           SELECT id, $3, 'live', 'secret', 'k', '[]', NULL, '{}', '[]', 1, start, 0, 0, 1, 0 FROM unnest($1::text[], $2::text[]) AS t(id, start)`,
          [ids, starts, appId],
        );
        await admin.query(`INSERT INTO key_secrets (hash, key_id, start, created_at_ms) SELECT hash, id, start, 0 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, hash, start)`, [ids, hashes, starts]);
      }
      const filler = total - cacheEntries;
      await admin.query(
        `INSERT INTO keys (id, app_id, environment, kind, name, scopes, subject, meta, ip_allow_list, enabled, start, created_at_ms, updated_at_ms, version, usage_count)
         SELECT 'key_fill' || i, $1, 'live', 'secret', 'k', '[]', NULL, '{}', '[]', 1, 'fill', 0, 0, 1, 0 FROM generate_series(1, $2::int) AS i`,
        [appId, filler],
      );
      await admin.query(`INSERT INTO key_secrets (hash, key_id, start, created_at_ms) SELECT encode(sha256(('fill' || i)::bytea), 'hex'), 'key_fill' || i, 'fill', 0 FROM generate_series(1, $1::int) AS i`, [filler]);
      await admin.query('ANALYZE');
      log(`seeded ${total} keys (${cacheEntries} real) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      // --- cache misses ----------------------------------------------------------------------
      const kw = await createKeyward({
        store: openPostgresStore({ url: PG_URL, schema, poolSize: 10 }),
        config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, cacheTtlMs: 600_000, negativeCacheTtlMs: 0, cacheMaxEntries: cacheEntries },
      });
      const raw = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await raw.connect();
      const probe = [...real].sort(() => Math.random() - 0.5).slice(0, quick ? 1000 : 5000);
      const lat: number[] = [];
      const base: number[] = [];
      for (const key of probe) {
        kw.cache.clear();
        const s = performance.now();
        const d = await kw.verifier.verify(key);
        lat.push(performance.now() - s);
        if (!d.valid) throw new Error(`seeded key did not verify: ${d.code}`);
        const b = performance.now();
        await raw.query({ name: 'lookup', text: 'SELECT k.* FROM key_secrets s JOIN keys k ON k.id = s.key_id WHERE s.hash = $1', values: [sha256Hex(key)] });
        base.push(performance.now() - b);
      }
      await raw.end();
      lat.sort((a, b) => a - b);
      base.sort((a, b) => a - b);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1000;

      // --- memory with a full cache ----------------------------------------------------------
      kw.cache.clear();
      global.gc?.();
      const before = process.memoryUsage();
      for (let i = 0; i < real.length; i += 64) await Promise.all(real.slice(i, i + 64).map((k) => kw.verifier.verify(k)));
      global.gc?.();
      const after = process.memoryUsage();
      const filled = kw.cache.size;
      await kw.close();
      const perKey = (after.heapUsed + after.external - before.heapUsed - before.external) / filled;
      log(`cache ${filled} entries; heap+external per entry ${perKey.toFixed(0)} B; RSS ${(after.rss / 1048576).toFixed(0)} MiB${global.gc ? '' : ' (run with --expose-gc for steadier numbers)'}`);
      return [
        {
          name: `PostgreSQL cache-miss verify, ${total.toLocaleString('en-US')} keys`,
          subjectLabel: 'KeyVerifier.verify on PostgreSQL, cache cleared',
          baselineLabel: 'raw prepared SELECT by hash (pg client)',
          subject: { opsPerSec: probe.length / sum(lat), p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) },
          baseline: { opsPerSec: probe.length / sum(base), p50Ms: percentile(base, 50), p99Ms: percentile(base, 99) },
          target: { maxP99Ms: 2 },
          notes: `${probe.length} random keys of ${total.toLocaleString('en-US')} (private schema, local PostgreSQL over loopback), cache cleared before each`,
        },
        {
          name: `memory: ${total.toLocaleString('en-US')} keys on PostgreSQL, cache full (${filled.toLocaleString('en-US')} entries)`,
          subjectLabel: 'bytes per cached key (heap + external)',
          baselineLabel: 'resident set size, MiB',
          subject: { opsPerSec: perKey },
          baseline: { opsPerSec: after.rss / 1048576 },
          notes: `not a ratio: the first column is the heap and external memory one cached key costs (${filled} entries, cacheMaxEntries = ${cacheEntries}), the second the process's RSS with the cache full (it includes the bench's own ${real.length} plaintext keys, about ${Math.round((real.length * 90) / 1048576)} MiB)`,
        },
      ];
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await admin.end();
    }
  },
};
export default bench;
