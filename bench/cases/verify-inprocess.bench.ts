import { createHash } from 'node:crypto';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { compare, opsPerSecondAsync, opsPerSecond, type BenchCase } from '../lib.js';

/**
 * In-process verification of a cached key against the floor: one bare SHA-256 over the same key.
 * Target (issue #2): Keyward reaches at least 50% of the bare hash's throughput.
 */
const bench: BenchCase = {
  name: 'key verification in process (cached)',
  async run({ quick }) {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
    const app = await kw.apps.create({ name: 'bench' }, { actor: 'bench', requestId: 'bench' });
    const { secret } = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'k' }, { actor: 'bench', requestId: 'bench' });
    const req = { environment: 'live' as const, scopes: ['users:read'] };
    await kw.verifier.verify(secret, req);
    const ms = quick ? 300 : 1500;
    const result = await compare(
      () => opsPerSecondAsync(() => kw.verifier.verify(secret, req), ms, 1000),
      () => opsPerSecond(() => createHash('sha256').update(secret).digest('hex'), ms, 1000),
      quick ? 3 : 7,
    );
    await kw.close();
    return [
      {
        name: 'verify cached key vs bare sha256',
        subjectLabel: 'KeyVerifier.verify',
        baselineLabel: "createHash('sha256')",
        subject: { opsPerSec: result.subject },
        pairedRatio: result.pairedRatio,
        baseline: { opsPerSec: result.baseline },
        target: { minRatio: 0.5 },
        notes: 'checksum + SHA-256 + cache lookup + pure decision + usage counter, awaited one at a time',
      },
    ];
  },
};
export default bench;
