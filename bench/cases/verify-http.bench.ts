import type { BenchCase } from '../lib.js';
import { compareLoads, startServer } from '../http-load.js';

/**
 * POST /v1/keys/verify over HTTP at 50 connections vs a bare Fastify route returning a constant
 * JSON body; each server in its own process, measured alternately. Target (issue #2): ≥ 70%.
 * Keyward's request authenticates the caller's root key AND verifies the key in the body.
 */
const bench: BenchCase = {
  name: 'verify endpoint over HTTP',
  async run({ quick }) {
    const keyward = await startServer<{ address: string; root: string; key: string }>('keyward-verify.ts');
    const bare = await startServer<{ address: string }>('bare-fastify.ts');
    // Many short alternating rounds: the ratio is the median of per-round ratios (bench/lib.ts).
    const seconds = quick ? 2 : 4;
    const body = JSON.stringify({ key: keyward.info.key, subject: 'user_1', environment: 'live' });
    const headers = { 'content-type': 'application/json' };
    try {
      const result = await compareLoads(
        { url: `${keyward.info.address}/v1/keys/verify`, method: 'POST', headers: { ...headers, authorization: `Bearer ${keyward.info.root}` }, body, connections: 50 },
        { url: `${bare.info.address}/v1/keys/verify`, method: 'POST', headers, body, connections: 50 },
        seconds,
        quick ? 3 : 8,
      );
      return [
        {
          name: 'POST /v1/keys/verify, 50 connections',
          subjectLabel: 'Keyward',
          baselineLabel: 'bare Fastify constant JSON',
          subject: result.subject,
          pairedRatio: result.pairedRatio,
          baseline: result.baseline,
          target: { minRatio: 0.75 },
          notes: 'autocannon in the parent process, each server in its own child process, rounds alternated; median of rounds',
        },
      ];
    } finally {
      keyward.child.kill();
      bare.child.kill();
    }
  },
};
export default bench;
