import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { request } from 'undici';
import { clusterEnv, runCli, spawnServing, type ClusterProcess } from '../../packages/server/test/cluster/launch.js';
import { revocationTrials } from '../../packages/server/test/cluster/revocation-trials.js';
import { BIN } from '../../packages/server/test/gateway/process.js';
import { median, percentile, type BenchCase, type Measure } from '../lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PG_URL = process.env.KEYWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Issue #11's multi-node rows: three `keyward start` processes (the built CLI) on one PostgreSQL
 * schema of the local server.
 *  - Revocation visibility: a key revoked on node 1, nodes 2 and 3 asked until they refuse it
 *    (the cluster test's measurement, test/cluster/revocation-trials.ts); p50, p99 and max.
 *  (The aggregate throughput of 3 nodes vs 1 is cases/scaleout.bench.ts.)
 */
const bench: BenchCase = {
  name: 'three nodes on PostgreSQL',
  async run({ quick, log }) {
    if (!existsSync(path.join(here, '../../packages/server/dist/cli/main.js'))) throw new Error('the cluster bench runs the built CLI: `npm run build` (or `npx tsx scripts/build.ts --js server`) first');
    const schema = `kw_bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const env = clusterEnv(url, `m1:${randomBytes(32).toString('base64')}`);
    const nodes: ClusterProcess[] = [];
    try {
      const { stdout } = await runCli(process.execPath, [BIN, 'init', '--json'], { env, timeout: 60_000 });
      const root = (JSON.parse(stdout) as { rootKey: string }).rootKey;
      nodes.push(...(await Promise.all([1, 2, 3].map((i) => spawnServing(`node${i}`, ['start'], env, '/readyz')))));
      const call = async (base: string, urlPath: string, body: unknown) => {
        const res = await request(`${base}${urlPath}`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify(body), headersTimeout: 30_000, bodyTimeout: 30_000 });
        return (await res.body.json()) as Record<string, unknown>;
      };
      const app = (await call(nodes[0]!.base, '/v1/apps', { name: 'bench' })) as { id: string };
      const createKey = async () => {
        const r = (await call(nodes[0]!.base, `/v1/apps/${app.id}/keys`, { kind: 'secret', environment: 'live', name: 'k' })) as { key: { id: string }; secret: string };
        return { id: r.key.id, secret: r.secret };
      };

      const trials = quick ? 30 : 100;
      log(`revocation visibility: ${trials} trials`);
      const { slowest } = await revocationTrials({
        trials,
        create: createKey,
        revoke: async (id) => void (await call(nodes[0]!.base, `/v1/keys/${id}/revoke`, { reason: 'bench' })),
        observers: [1, 2].map((i) => ({ name: `node${i + 1}`, refused: async (secret: string) => (await call(nodes[i]!.base, '/v1/keys/verify', { key: secret })).valid !== true })),
        giveUpMs: 10_000,
      });
      const sorted = [...slowest].sort((a, b) => a - b);
      // The measurement's resolution: one verification round trip to a node, sequential, as the observers make them.
      const probe = await createKey();
      const rtts: number[] = [];
      for (let i = 0; i < trials * 5; i++) {
        const t0 = performance.now();
        await call(nodes[1]!.base, '/v1/keys/verify', { key: probe.secret });
        rtts.push(performance.now() - t0);
      }
      rtts.sort((a, b) => a - b);
      const reveal: Measure = { opsPerSec: 1000 / median(sorted), p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
      const rtt: Measure = { opsPerSec: 1000 / median(rtts), p50Ms: percentile(rtts, 50), p99Ms: percentile(rtts, 99) };

      const cores = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (load average ${loadavg()[0]!.toFixed(1)} at the end of the run)`;
      const rows = [
        {
          name: 'revocation visibility across 3 nodes (PostgreSQL NOTIFY)',
          subjectLabel: 'revoke → refused on nodes 2 and 3 (slowest), 1/p50',
          baselineLabel: 'one verify round trip, 1/p50',
          subject: reveal,
          baseline: rtt,
          target: { maxP99Ms: 100 },
          notes: `${trials} trials, from the revoke's answer on node 1 to the first refusal on the slower of nodes 2 and 3: p50 ${reveal.p50Ms!.toFixed(1)} ms, p99 ${reveal.p99Ms!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms (required p99 < 1000 ms, goal < 100 ms). Its resolution is one verify round trip (p50 ${rtt.p50Ms!.toFixed(2)} ms, p99 ${rtt.p99Ms!.toFixed(2)} ms); the ratio column compares the two rates and means little. Nodes, PostgreSQL and the prober share ${cores}.`,
        },
      ];
      for (const r of rows) log(`${r.name}: ${r.notes}`);
      return rows;
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.end();
    }
  },
};
export default bench;
