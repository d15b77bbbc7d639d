import { cpus, loadavg } from 'node:os';
import { load } from '../http-load.js';
import { median, type BenchCase, type BenchRow } from '../lib.js';
import { freshDatabase, loadInChild, machineCpuMicros, makeKey, postgresCpuMicros, procContextSwitches, procCpuMicros, startNode, startPeer, type BenchNode, type LoadSpec } from '../nodes.js';

/**
 * Issue #11: the aggregate throughput of 3 nodes against 1 on this machine, with the CPU limit
 * named. Three `keyward start` processes (the built CLI) on one PostgreSQL database and one Redis
 * prefix; warm-cache POST /v1/keys/verify. Every round records who used the cores: each node,
 * the load generators, PostgreSQL, and the machine as a whole (so the share other jobs took is
 * measured, not guessed). Setups, alternated round by round:
 *  - 1 node, 48 connections, autocannon in a process of its own (the baseline);
 *  - 3 nodes, 16 connections each, one autocannon process per node;
 *  - 3 nodes, 16 connections each, the three autocannons in the bench's own process (how the
 *    first version of this row measured);
 *  - 3 nodes, 4 connections each, one autocannon process per node (fewer connections).
 */
interface Setup {
  readonly name: string;
  readonly nodes: number;
  readonly connections: number;
  readonly inProcess: boolean;
}

const SETUPS: readonly Setup[] = [
  { name: '1 node, 48 connections', nodes: 1, connections: 48, inProcess: false },
  { name: '3 nodes, 16 connections each', nodes: 3, connections: 16, inProcess: false },
  { name: '3 nodes, 16 each, load generator in the bench process', nodes: 3, connections: 16, inProcess: true },
  { name: '3 nodes, 4 connections each', nodes: 3, connections: 4, inProcess: false },
];

interface Round {
  readonly opsPerSec: number;
  /** Share of the machine's CPU capacity (cores × wall time), per consumer. */
  readonly share: { readonly nodes: number; readonly generator: number; readonly postgres: number; readonly others: number; readonly idle: number; readonly steal: number };
  readonly perNode: readonly number[];
  /** Context switches of the nodes per request, voluntary (waits for work) and involuntary (preempted). */
  readonly switches: { readonly voluntary: number; readonly involuntary: number };
}

const bench: BenchCase = {
  name: 'scale-out: 3 nodes vs 1 on one machine',
  async run({ quick, log }) {
    const db = await freshDatabase('kw_bench_scale');
    const nodes: BenchNode[] = [];
    try {
      const first = await startNode('node1', { kind: 'postgres', url: db.url });
      nodes.push(first);
      nodes.push(await startPeer('node2', first), await startPeer('node3', first));
      const key = await makeKey(first);
      const spec = (n: BenchNode, connections: number): LoadSpec => ({ url: `${n.process.base}/v1/keys/verify`, headers: { authorization: `Bearer ${first.root}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: key.secret }), connections });
      for (const n of nodes) if ((await n.call('/v1/keys/verify', { key: key.secret })).valid !== true) throw new Error(`${n.label} refused the key`);
      const seconds = quick ? 2 : 4;
      const rounds = quick ? 2 : 5;
      const cores = cpus().length;
      const runRound = async (setup: Setup, durationSeconds: number): Promise<Round> => {
        const used = nodes.slice(0, setup.nodes);
        const nodeCpu0 = nodes.map((n) => procCpuMicros(n.process.child.pid!));
        const cs0 = nodes.map((n) => procContextSwitches(n.process.child.pid!));
        const pg0 = postgresCpuMicros();
        const self0 = process.cpuUsage();
        const m0 = machineCpuMicros();
        const t0 = performance.now();
        let generator = 0;
        let rate = 0;
        if (setup.inProcess) {
          const each = await Promise.all(used.map((n) => load({ ...spec(n, setup.connections), method: 'POST', durationSeconds })));
          rate = each.reduce((s, m) => s + m.opsPerSec, 0);
        } else {
          const each = await Promise.all(used.map((n) => loadInChild(spec(n, setup.connections), durationSeconds)));
          rate = each.reduce((s, m) => s + m.opsPerSec, 0);
          generator = each.reduce((s, m) => s + m.generatorCpuMicros, 0);
        }
        const wallMicros = (performance.now() - t0) * 1000;
        const self = process.cpuUsage(self0);
        generator += self.user + self.system; // the bench process itself (it is the generator in-process)
        const m1 = machineCpuMicros();
        const perNode = nodes.map((n, i) => procCpuMicros(n.process.child.pid!) - nodeCpu0[i]!);
        const nodesCpu = perNode.reduce((a, b) => a + b, 0);
        const pgCpu = Math.max(0, postgresCpuMicros() - pg0); // a backend that exits mid-round takes its CPU out of the sum: an under-count
        const busy = m1.busy - m0.busy;
        const capacity = cores * wallMicros;
        const share = {
          nodes: nodesCpu / capacity,
          generator: generator / capacity,
          postgres: pgCpu / capacity,
          others: Math.max(0, busy - nodesCpu - generator - pgCpu) / capacity,
          idle: (m1.idle - m0.idle) / capacity,
          steal: (m1.steal - m0.steal) / capacity,
        };
        const requests = rate * durationSeconds;
        const cs = nodes.map((n, i) => {
          const now = procContextSwitches(n.process.child.pid!);
          return { voluntary: now.voluntary - cs0[i]!.voluntary, involuntary: now.involuntary - cs0[i]!.involuntary };
        });
        const switches = { voluntary: cs.reduce((a, c) => a + c.voluntary, 0) / requests, involuntary: cs.reduce((a, c) => a + c.involuntary, 0) / requests };
        const round = { opsPerSec: rate, share, perNode: perNode.map((c) => c / requests), switches };
        log(`  ${setup.name}: ${Math.round(rate)}/s; CPU share nodes ${pct(share.nodes)}, load generator ${pct(share.generator)}, PostgreSQL ${pct(share.postgres)}, other jobs ${pct(share.others)}, idle ${pct(share.idle)}, steal ${pct(share.steal)}; node CPU per request ${round.perNode.map((u) => u.toFixed(0)).join(' / ')} µs; node context switches per request ${switches.voluntary.toFixed(3)} voluntary, ${switches.involuntary.toFixed(3)} involuntary`);
        return round;
      };
      for (const s of SETUPS) await runRound(s, 1); // warm-up
      const results = new Map<string, Round[]>(SETUPS.map((s) => [s.name, []]));
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? SETUPS : [...SETUPS].reverse();
        for (const s of order) results.get(s.name)!.push(await runRound(s, seconds));
      }
      const summary = SETUPS.map((s) => {
        const rs = results.get(s.name)!;
        const mid = (f: (x: Round) => number) => median(rs.map(f));
        return {
          setup: s,
          rounds: rs,
          opsPerSec: mid((x) => x.opsPerSec),
          line: `${s.name}: ${Math.round(mid((x) => x.opsPerSec)).toLocaleString('en-US')}/s, CPU share nodes ${pct(mid((x) => x.share.nodes))} / load generator ${pct(mid((x) => x.share.generator))} / PostgreSQL ${pct(mid((x) => x.share.postgres))} / other jobs ${pct(mid((x) => x.share.others))} / idle ${pct(mid((x) => x.share.idle))} / steal ${pct(mid((x) => x.share.steal))}, node CPU per request ${mid((x) => x.perNode.slice(0, s.nodes).reduce((a, b) => a + b, 0) / s.nodes).toFixed(0)} µs, node context switches per request ${mid((x) => x.switches.voluntary).toFixed(3)} voluntary / ${mid((x) => x.switches.involuntary).toFixed(3)} involuntary`,
        };
      });
      const base = summary[0]!;
      const paired = (name: string) => median(results.get(name)!.map((x, i) => x.opsPerSec / base.rounds[i]!.opsPerSec));
      const notes = `medians of ${rounds} alternated rounds of ${seconds} s, every setup in every round; shares are of the machine's ${cores} cores × wall time, from /proc (nodes, autocannon, every postgres process, the machine's total; "other jobs" is the machine's busy time minus ours, i.e. whatever else shares this VM). ${summary.map((x) => x.line).join('; ')}. Load average ${loadavg()[0]!.toFixed(1)} at the end`;
      log(notes);
      const rows: BenchRow[] = summary.slice(1).map((x) => ({
        name: `aggregate throughput, ${x.setup.name} vs 1 node (warm-cache verify)`,
        subjectLabel: x.setup.name,
        baselineLabel: '1 node, 48 connections',
        subject: { opsPerSec: x.opsPerSec },
        baseline: { opsPerSec: base.opsPerSec },
        pairedRatio: paired(x.setup.name),
        notes: x === summary[1] ? notes : 'same run as the row above',
      }));
      return rows;
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await db.drop().catch(() => {});
    }
  },
};
export default bench;

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}
