import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import pg from 'pg';
import { request } from 'undici';
import { createKeyward } from '../packages/server/src/keyward.js';
import { sha256Hex } from '../packages/server/src/lib/crypto.js';
import { openPostgresStore } from '../packages/server/src/store/postgres/open.js';
import { percentile, type BenchRow } from './lib.js';
import { procRssBytes, startNode, type BenchNode } from './nodes.js';
import type { MillionDataset } from './pg-million.js';

/**
 * Issue #11's million-key rows on PostgreSQL (cases/pg-million-miss.bench.ts and
 * cases/pg-million-memory.bench.ts, one row each, so either can be run alone) (bench/pg-million.ts builds the store once, by COPY,
 * and keeps it for later runs):
 *  - a cache miss: KeyVerifier.verify with the cache cleared before each call, p99 under 2 ms,
 *    against the same lookup as a raw prepared statement on a pg client, alternated key by key;
 *  - memory: a real `keyward start` node on that store, its cache filled to its bound
 *    (KEYWARD_CACHE_MAX_ENTRIES, default 100,000) by verifying that many distinct keys over HTTP:
 *    its resident size, and the bytes one cached key costs (the node's RSS growth over the last
 *    90% of the fill, and, in this process with forced GCs, the heap and external memory of
 *    filling the same cache).
 */

/** The forced GC this process needs for steady heap figures (tsx runs it without --expose-gc). */
function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * What PostgreSQL did besides answering during the measured loop: blocks read from outside
 * shared_buffers (page cache or disk) and autovacuum runs on the lookup's tables. A backend
 * publishes its counters once it has been idle for a second, so each reading waits that long
 * (outside the measured loop) for the pool's connections to publish theirs.
 */
async function serverCounters(client: pg.Client): Promise<{ blocksRead: number; autovacuums: number; autovacuumRunning: number }> {
  await new Promise((r) => setTimeout(r, 1500));
  const r = await client.query<{ blks_read: string; av: string; running: string }>(
    `SELECT (SELECT blks_read FROM pg_stat_database WHERE datname = current_database()) AS blks_read,
            (SELECT sum(autovacuum_count + autoanalyze_count) FROM pg_stat_user_tables WHERE relname IN ('keys', 'key_secrets')) AS av,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker') AS running`,
  );
  return { blocksRead: Number(r.rows[0]!.blks_read), autovacuums: Number(r.rows[0]!.av), autovacuumRunning: Number(r.rows[0]!.running) };
}

export async function cacheMisses(data: MillionDataset, count: number, log: (line: string) => void): Promise<BenchRow> {
  const kw = await createKeyward({
    store: openPostgresStore({ url: data.url, poolSize: 10 }),
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, cacheTtlMs: 600_000, negativeCacheTtlMs: 0 },
  });
  const raw = new pg.Client({ connectionString: data.url });
  await raw.connect();
  const probe = data.sample.slice(0, count);
  const lat: number[] = [];
  const base: number[] = [];
  // This process's GC pauses during the measured loop (both sides run in it alike).
  const gcPauses: number[] = [];
  let before: Awaited<ReturnType<typeof serverCounters>>;
  let after: Awaited<ReturnType<typeof serverCounters>>;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push(e.duration);
  });
  try {
    // Warm-up: JIT, the pool's connections, and the index pages both sides read.
    for (const key of probe.slice(0, 500)) {
      kw.cache.clear();
      await kw.verifier.verify(key);
      await raw.query({ name: 'lookup', text: 'SELECT k.* FROM key_secrets s JOIN keys k ON k.id = s.key_id WHERE s.hash = $1', values: [sha256Hex(key)] });
    }
    before = await serverCounters(raw);
    gcObserver.observe({ entryTypes: ['gc'] });
    for (let i = 0; i < probe.length; i++) {
      const key = probe[i]!;
      kw.cache.clear();
      const keyward = async () => {
        const s = performance.now();
        const d = await kw.verifier.verify(key);
        lat.push(performance.now() - s);
        if (!d.valid) throw new Error(`seeded key did not verify: ${d.code}`);
      };
      const baseline = async () => {
        const b = performance.now();
        const r = await raw.query({ name: 'lookup', text: 'SELECT k.* FROM key_secrets s JOIN keys k ON k.id = s.key_id WHERE s.hash = $1', values: [sha256Hex(key)] });
        base.push(performance.now() - b);
        if (r.rowCount !== 1) throw new Error('seeded key not found by the raw lookup');
      };
      // Alternate which side goes first, so neither always runs right after the other's wake-up.
      if (i % 2 === 0) {
        await keyward();
        await baseline();
      } else {
        await baseline();
        await keyward();
      }
    }
    gcObserver.disconnect();
    after = await serverCounters(raw);
  } finally {
    gcObserver.disconnect();
    await raw.end();
    await kw.close();
  }
  lat.sort((a, b) => a - b);
  base.sort((a, b) => a - b);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1000;
  const fmt = (xs: number[], p: number) => percentile(xs, p).toFixed(3);
  const server = `${after.blocksRead - before.blocksRead} blocks read from outside shared_buffers and ${after.autovacuums - before.autovacuums} autovacuum or autoanalyze runs on keys and key_secrets during the measurement (${after.autovacuumRunning} autovacuum workers running at the end)`;
  const gcs = `${gcPauses.length} GC pauses in the bench process during the measurement, longest ${Math.max(0, ...gcPauses).toFixed(2)} ms`;
  const notes = `${probe.length} random keys of ${data.total.toLocaleString('en-US')} in a database of their own on the bench's own PostgreSQL 15 cluster over loopback (bench/pg-instance.ts: ${data.setup}), the cache cleared before each, Keyward and the raw lookup alternated key by key; Keyward p50 ${fmt(lat, 50)} / p99 ${fmt(lat, 99)} / p99.9 ${fmt(lat, 99.9)} ms, raw p50 ${fmt(base, 50)} / p99 ${fmt(base, 99)} / p99.9 ${fmt(base, 99.9)} ms; ${server}; ${gcs}; load average ${loadavg()[0]!.toFixed(1)} at the end`;
  log(notes);
  return {
    name: `PostgreSQL cache-miss verify, ${data.total.toLocaleString('en-US')} keys`,
    subjectLabel: 'KeyVerifier.verify on PostgreSQL, cache cleared',
    baselineLabel: 'raw prepared SELECT by hash (pg client)',
    subject: { opsPerSec: probe.length / sum(lat), p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) },
    baseline: { opsPerSec: probe.length / sum(base), p50Ms: percentile(base, 50), p99Ms: percentile(base, 99) },
    target: { maxP99Ms: 2 },
    notes,
  };
}

export async function memory(data: MillionDataset, entries: number, log: (line: string) => void): Promise<BenchRow> {
  // --- a real node ---------------------------------------------------------------------------
  const node = await startNode('million', { kind: 'postgres', url: data.url, masterKeys: data.masterKeys }, { KEYWARD_CACHE_MAX_ENTRIES: String(entries), KEYWARD_CACHE_TTL_MS: '3600000' });
  // The root key the bench authenticates with takes one entry of the same cache: one key fewer fills it.
  const keys = data.sample.slice(0, entries - 1);
  let rssStart: number, rssTenth: number, rssFull: number, cached: number;
  try {
    const pid = node.process.child.pid!;
    rssStart = procRssBytes(pid);
    const tenth = Math.floor(entries / 10);
    await fill(node, keys.slice(0, tenth));
    rssTenth = procRssBytes(pid);
    await fill(node, keys.slice(tenth));
    rssFull = procRssBytes(pid);
    cached = await cacheEntries(node);
    if (cached !== entries) throw new Error(`the node's cache holds ${cached} entries after ${entries} distinct verifications`);
  } finally {
    await node.stop();
  }
  const rssPerKey = (rssFull - rssTenth) / (keys.length - Math.floor(entries / 10));

  // --- the same cache in this process, with forced GCs ----------------------------------------
  const kw = await createKeyward({
    store: openPostgresStore({ url: data.url, poolSize: 10 }),
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, cacheTtlMs: 3_600_000, negativeCacheTtlMs: 0, cacheMaxEntries: entries },
  });
  let heapPerKey: number;
  try {
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < keys.length; i += 64) await Promise.all(keys.slice(i, i + 64).map((k) => kw.verifier.verify(k)));
    gc();
    const after = process.memoryUsage();
    heapPerKey = (after.heapUsed + after.external - before.heapUsed - before.external) / kw.cache.size;
  } finally {
    await kw.close();
  }
  const mib = (b: number) => (b / 1048576).toFixed(0);
  const notes = `not a ratio: the first column is what one cached key costs, the second the node's resident size with its cache full. A \`keyward start\` node (PostgreSQL + Redis) on the ${data.total.toLocaleString('en-US')}-key store, KEYWARD_CACHE_MAX_ENTRIES=${entries}, filled by verifying ${keys.length} distinct keys over HTTP (plus the root key) (${cached} entries at the end): RSS ${mib(rssStart)} MiB at start, ${mib(rssTenth)} MiB after the first tenth, ${mib(rssFull)} MiB full; RSS growth over the last nine tenths ${rssPerKey.toFixed(0)} B per key (includes V8's heap headroom). The same cache filled in the bench process with forced GCs: ${heapPerKey.toFixed(0)} B of heap + external per entry (the entry, its by-id index and the key record). So the default 100,000 entries cost about ${mib(heapPerKey * 100_000)} MiB of live heap; caching all ${data.total.toLocaleString('en-US')} keys would take about ${mib(heapPerKey * data.total)} MiB. Load average ${loadavg()[0]!.toFixed(1)} at the end`;
  log(notes);
  return {
    name: `memory: node on ${data.total.toLocaleString('en-US')} PostgreSQL keys, verification cache full (${entries.toLocaleString('en-US')} entries)`,
    subjectLabel: 'bytes per cached key (live heap + external)',
    baselineLabel: 'node resident set size, MiB',
    subject: { opsPerSec: heapPerKey },
    baseline: { opsPerSec: rssFull / 1048576 },
    notes,
  };
}

/** Verifies every key once through the node's HTTP API, 32 at a time. */
async function fill(node: BenchNode, keys: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const answer = await node.call('/v1/keys/verify', { key });
      if (answer.valid !== true) throw new Error(`seeded key did not verify: ${String(answer.code)}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

async function cacheEntries(node: BenchNode): Promise<number> {
  const res = await request(`${node.process.base}/metrics`, { headers: { authorization: `Bearer ${node.root}` } });
  const text = await res.body.text();
  const m = /^keyward_key_cache_entries (\d+)/m.exec(text);
  if (!m) throw new Error(`no keyward_key_cache_entries in /metrics (${res.statusCode})`);
  return Number(m[1]);
}
