import { loadavg } from 'node:os';
import { compare, median, type BenchCase } from '../lib.js';
import { freshDatabase, loadInChild, makeKey, procCpuMicros, startNode, withAdmin, type BenchNode, type LoadSpec } from '../nodes.js';
import { redisCommandCount } from '../redis-stats.js';

/**
 * Issue #11: warm-cache verification on a PostgreSQL + Redis node within 10% of the SQLite node.
 * Two real `keyward start` processes (the built CLI): one on SQLite in a temp directory, one on
 * the local PostgreSQL in a database of its own with Redis under a key prefix of its own. The
 * same autocannon load (its own process) hits each in turn, rounds alternated; the ratio is the
 * median of the per-round ratios. Beside throughput, which other processes on a shared machine
 * move, each round records what a request costs the node itself (its CPU time ÷ requests) and how
 * many Redis commands and PostgreSQL transactions the PostgreSQL node made per request: a warm
 * cache should make none.
 */
const bench: BenchCase = {
  name: 'warm-cache verify: PostgreSQL + Redis node vs SQLite node',
  async run({ quick, log }) {
    const db = await freshDatabase('kw_bench_node');
    const nodes: BenchNode[] = [];
    try {
      const sqlite = await startNode('sqlite', { kind: 'sqlite' });
      nodes.push(sqlite);
      const postgres = await startNode('postgres', { kind: 'postgres', url: db.url });
      nodes.push(postgres);
      const spec = async (node: BenchNode): Promise<LoadSpec> => {
        const key = await makeKey(node);
        return { url: `${node.process.base}/v1/keys/verify`, headers: { authorization: `Bearer ${node.root}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: key.secret }), connections: 50 };
      };
      const specs = { sqlite: await spec(sqlite), postgres: await spec(postgres) };
      const seconds = quick ? 2 : 4;
      const rounds = quick ? 3 : 8;
      const cpu = { sqlite: [] as number[], postgres: [] as number[] };
      const perRequest = { redis: [] as number[], pgXacts: [] as number[] };
      const xacts = () => withAdmin(async (c) => Number((await c.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [db.name])).rows[0]!.n));
      const round = async (name: 'sqlite' | 'postgres', node: BenchNode) => {
        const pid = node.process.child.pid!;
        const cpu0 = procCpuMicros(pid);
        const [redis0, x0] = name === 'postgres' ? [await redisCommandCount(), await xacts()] : [0, 0];
        const m = await loadInChild(specs[name], seconds);
        const requests = m.opsPerSec * seconds;
        cpu[name].push((procCpuMicros(pid) - cpu0) / requests);
        if (name === 'postgres') {
          // Includes the bench's own INFO/stat queries (2 each) and other helpers' traffic on the shared Redis: an upper bound.
          perRequest.redis.push(((await redisCommandCount()) - redis0) / requests);
          perRequest.pgXacts.push(((await xacts()) - x0) / requests);
        }
        log(`  ${name}: ${Math.round(m.opsPerSec)}/s, ${((procCpuMicros(pid) - cpu0) / requests).toFixed(1)} µs CPU per request`);
        return m.opsPerSec;
      };
      await loadInChild(specs.sqlite, 1);
      await loadInChild(specs.postgres, 1);
      const r = await compare(() => round('postgres', postgres), () => round('sqlite', sqlite), rounds);
      const us = (xs: number[]) => median(xs).toFixed(1);
      const notes = [
        `two \`keyward start\` processes of the built CLI, 50 connections each from autocannon in its own process, ${rounds} alternated rounds of ${seconds} s; PostgreSQL 15 (database of its own) and Redis 7 (key prefix of its own) on loopback`,
        `node CPU per request (median of rounds): PostgreSQL + Redis ${us(cpu.postgres)} µs, SQLite ${us(cpu.sqlite)} µs (${((median(cpu.sqlite) / median(cpu.postgres)) * 100).toFixed(1)}%)`,
        `per request on the PostgreSQL node: ${median(perRequest.redis).toFixed(4)} Redis commands (the whole Redis server's count, which other jobs share: an upper bound) and ${median(perRequest.pgXacts).toFixed(4)} PostgreSQL transactions in its database (the usage and analytics flushes, the change poll)`,
        `load average ${loadavg()[0]!.toFixed(1)} at the end`,
      ].join('; ');
      log(notes);
      return [
        {
          name: 'warm-cache verify, PostgreSQL + Redis node vs SQLite node (POST /v1/keys/verify, 50 connections)',
          subjectLabel: 'keyward start on PostgreSQL + Redis',
          baselineLabel: 'keyward start on SQLite',
          subject: { opsPerSec: r.subject },
          baseline: { opsPerSec: r.baseline },
          pairedRatio: r.pairedRatio,
          target: { minRatio: 0.9 },
          notes,
        },
      ];
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await db.drop().catch(() => {});
    }
  },
};
export default bench;
