import { generateKey } from '@keyward/protocol';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { median, type BenchCase, type BenchRow } from '../lib.js';

/**
 * Issue #2: an unknown, a revoked and a wrong-environment key give the same answer "and a similar
 * timing". Each refusal is timed on its own, interleaved, both on a cold cache (first
 * presentation: one store read each) and warm (the same key again). The row compares the slowest
 * refusal with the fastest; the target is that they stay within 1.5× of each other.
 */
const OUTCOMES = ['unknown', 'revoked', 'wrong environment'] as const;
type Outcome = (typeof OUTCOMES)[number];

const bench: BenchCase = {
  name: 'refusal timing: unknown vs revoked vs wrong environment',
  async run({ quick, log }) {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
    const by = { actor: 'bench', requestId: 'bench' };
    const app = await kw.apps.create({ name: 'bench' }, by);
    const perOutcome = quick ? 300 : 2000;
    const keys: Record<Outcome, string[]> = { unknown: [], revoked: [], 'wrong environment': [] };
    for (let i = 0; i < perOutcome; i++) {
      keys.unknown.push(generateKey('secret', 'live'));
      const revoked = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: `r${i}` }, by);
      await kw.keys.revoke(revoked.key.id, 'bench', by);
      keys.revoked.push(revoked.secret);
      keys['wrong environment'].push((await kw.keys.create({ appId: app.id, environment: 'test', kind: 'secret', name: `t${i}` }, by)).secret);
    }
    const req = { environment: 'live' as const };
    const samples = (): Record<Outcome, number[]> => ({ unknown: [], revoked: [], 'wrong environment': [] });
    const cold = samples();
    const warm = samples();
    for (let i = 0; i < perOutcome; i++) {
      for (const outcome of OUTCOMES) {
        const key = keys[outcome][i]!;
        kw.cache.clear();
        let t = process.hrtime.bigint();
        const first = await kw.verifier.verify(key, req);
        cold[outcome].push(Number(process.hrtime.bigint() - t) / 1000);
        t = process.hrtime.bigint();
        const again = await kw.verifier.verify(key, req);
        warm[outcome].push(Number(process.hrtime.bigint() - t) / 1000);
        if (first.valid || again.valid || first.code !== 'INVALID_CREDENTIAL' || again.code !== 'INVALID_CREDENTIAL') throw new Error(`${outcome} was not refused as INVALID_CREDENTIAL`);
      }
    }
    await kw.close();
    const row = (label: string, s: Record<Outcome, number[]>): BenchRow => {
      const medians = OUTCOMES.map((o) => ({ o, us: median(s[o]) }));
      medians.sort((a, b) => a.us - b.us);
      const fastest = medians[0]!;
      const slowest = medians[medians.length - 1]!;
      return {
        name: `refusal timing, ${label}: slowest vs fastest refusal`,
        subjectLabel: `${slowest.o} (median ${slowest.us.toFixed(1)} µs)`,
        baselineLabel: `${fastest.o} (median ${fastest.us.toFixed(1)} µs)`,
        subject: { opsPerSec: 1e6 / slowest.us },
        baseline: { opsPerSec: 1e6 / fastest.us },
        target: { minRatio: 1 / 1.5 },
        notes: `medians of ${perOutcome} interleaved verifications each: ${medians.map((m) => `${m.o} ${m.us.toFixed(1)} µs`).join(', ')}`,
      };
    };
    const rows = [row('cold cache (one store read)', cold), row('warm cache (repeated key)', warm)];
    for (const r of rows) log(r.notes ?? '');
    return rows;
  },
};
export default bench;
