import type { BenchCase } from '../lib.js';
import { compareLoads, startServer } from '../http-load.js';

/**
 * The gateway vs a bare undici proxy to the same upstream, both on loopback at 50 connections,
 * measured alternately. Targets (issue #4): throughput ≥ 80% of the bare proxy; added p99 ≤ 2 ms
 * for a cached key with a rate limit.
 */
const bench: BenchCase = {
  name: 'gateway vs bare proxy',
  async run({ quick }) {
    const upstream = await startServer<{ address: string }>('upstream.ts');
    const env = { UPSTREAM: upstream.info.address };
    const gw = await startServer<{ address: string; key: string }>('keyward-gateway.ts', env);
    const bare = await startServer<{ address: string }>('bare-proxy.ts', env);
    const seconds = quick ? 3 : 8;
    try {
      const hGw = { authorization: `Bearer ${gw.info.key}` };
      const result = await compareLoads({ url: `${gw.info.address}/users/u_1`, headers: hGw, connections: 50 }, { url: `${bare.info.address}/users/u_1`, connections: 50 }, seconds, quick ? 2 : 4);
      return [
        {
          name: 'gateway GET, 50 connections',
          subjectLabel: 'Keyward gateway (key auth, policy, limit)',
          baselineLabel: 'bare undici proxy',
          subject: result.subject,
          baseline: result.baseline,
          target: { minRatio: 0.8, maxAddedP99Ms: 2 },
          notes: 'upstream, gateway and bare proxy each in their own process; autocannon in the parent; p99 from the last round',
        },
      ];
    } finally {
      for (const p of [gw, bare, upstream]) p.child.kill();
    }
  },
};
export default bench;
