import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { generateKey, parseKey } from '@keyward/protocol';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { sha256Hex } from '../../packages/server/src/lib/crypto.js';
import { newId } from '../../packages/server/src/lib/ids.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { percentile, type BenchCase } from '../lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Cache misses with 1,000,000 keys in the SQLite store: every verification goes to the store.
 * Target (issue #2): p99 under 2 ms. Baseline: the same lookup as one raw prepared statement.
 */
const bench: BenchCase = {
  name: 'cache misses, 1,000,000 keys in SQLite',
  async run({ quick, log }) {
    const total = quick ? 100_000 : 1_000_000;
    const dir = path.join(here, '..', '..', '.bench-tmp', `sqlite-${total}`);
    const sampleFile = path.join(dir, 'sample.json');
    mkdirSync(dir, { recursive: true });
    let sample: string[];
    if (!existsSync(sampleFile)) {
      const store = openSqliteStore({ dataDir: dir });
      await store.migrate();
      await store.close();
      const db = new BetterSqlite3(path.join(dir, 'keyward.db'));
      db.pragma('journal_mode = WAL');
      const appId = newId('app');
      db.prepare(`INSERT INTO apps (id, name, settings, created_at_ms, updated_at_ms, version) VALUES (?, 'bench', '{"revokeKeysSeenInUrls":false,"defaultRotationGraceSeconds":0}', 0, 0, 1)`).run(appId);
      const insKey = db.prepare(`INSERT INTO keys (id, app_id, environment, kind, name, scopes, subject, meta, ip_allow_list, enabled, expires_at_ms, revoked_at_ms, revoked_reason, exposed_at_ms, start, reissued_from_id, created_at_ms, updated_at_ms, version, usage_count, last_used_at_ms) VALUES (?, ?, 'live', 'secret', 'k', '[]', NULL, '{}', '[]', 1, NULL, NULL, NULL, NULL, ?, NULL, 0, 0, 1, 0, NULL)`);
      const insSecret = db.prepare(`INSERT INTO key_secrets (hash, key_id, start, created_at_ms, expires_at_ms) VALUES (?, ?, ?, 0, NULL)`);
      sample = [];
      const batch = 50_000;
      for (let done = 0; done < total; done += batch) {
        db.transaction(() => {
          for (let i = 0; i < batch; i++) {
            const key = generateKey('secret', 'live');
            const id = newId('key');
            const start = (parseKey(key) as { start: string }).start;
            insKey.run(id, appId, start);
            insSecret.run(sha256Hex(key), id, start);
            if ((done + i) % Math.floor(total / 20_000) === 0) sample.push(key);
          }
        })();
        log(`seeding: ${done + batch}/${total} keys`);
      }
      db.close();
      const { writeFileSync } = await import('node:fs');
      writeFileSync(sampleFile, JSON.stringify(sample));
    } else {
      const { readFileSync } = await import('node:fs');
      sample = JSON.parse(readFileSync(sampleFile, 'utf8'));
      log(`reusing seeded store in ${dir}`);
    }

    const kw = await createKeyward({ store: openSqliteStore({ dataDir: dir }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, cacheTtlMs: 0, negativeCacheTtlMs: 0 } });
    const raw = new BetterSqlite3(path.join(dir, 'keyward.db'), { readonly: true });
    const stmt = raw.prepare('SELECT k.* FROM key_secrets s JOIN keys k ON k.id = s.key_id WHERE s.hash = ?');
    const keys = [...sample].sort(() => Math.random() - 0.5).slice(0, quick ? 2000 : 10_000);
    const lat: number[] = [];
    const base: number[] = [];
    const t0 = performance.now();
    for (const key of keys) {
      kw.cache.clear();
      const s = performance.now();
      const d = await kw.verifier.verify(key);
      lat.push(performance.now() - s);
      if (!d.valid) throw new Error(`seeded key did not verify: ${d.code}`);
      const b = performance.now();
      stmt.get(sha256Hex(key));
      base.push(performance.now() - b);
    }
    const elapsed = (performance.now() - t0) / 1000;
    raw.close(); // first, so Keyward's store is the last connection and folds its WAL on close
    await kw.close();
    lat.sort((a, b) => a - b);
    base.sort((a, b) => a - b);
    const baseTotal = base.reduce((a, b) => a + b, 0) / 1000;
    const subjTotal = lat.reduce((a, b) => a + b, 0) / 1000;
    return [
      {
        name: `cache-miss verify, ${total.toLocaleString('en-US')} keys`,
        subjectLabel: 'KeyVerifier.verify, cache cleared',
        baselineLabel: 'raw prepared SELECT by hash',
        subject: { opsPerSec: keys.length / subjTotal, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) },
        baseline: { opsPerSec: keys.length / baseTotal, p50Ms: percentile(base, 50), p99Ms: percentile(base, 99) },
        target: { maxP99Ms: 2 },
        notes: `${keys.length} random keys from the store, cache cleared before each; loop took ${elapsed.toFixed(1)} s`,
      },
    ];
  },
};
export default bench;
