import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { compare, opsPerSecondAsync, type BenchCase } from '../lib.js';

/**
 * Token verification vs raw jose `jwtVerify` with the same Ed25519 key (issue #3: within 10%),
 * cold (every token new: signature checked) and repeated (verified-token cache).
 */
const bench: BenchCase = {
  name: 'JWT verification',
  async run({ quick }) {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
    const app = await kw.apps.create({ name: 'bench' }, { actor: 'bench', requestId: 'bench' });
    const N = 3000;
    const tokens: string[] = [];
    for (let i = 0; i < N; i++) tokens.push((await kw.tokens.mint({ appId: app.id, environment: 'live', subject: `u${i}`, scopes: ['files:write'], audience: 'uploads', ttlSeconds: 3600 })).token);
    const jwk = (await kw.tokens.jwks()).keys.find((k) => k.alg === 'EdDSA')!;
    const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
    const ms = quick ? 300 : 1500;
    let i = 0;
    let j = 0;
    // Cold: drop Keyward's verified-token cache so every call checks the signature like jose does.
    const cache = (kw.tokens as unknown as { verified: Map<string, unknown> }).verified;
    const cold = await compare(
      () => opsPerSecondAsync(async () => {
        cache.clear();
        const r = await kw.tokens.verify(tokens[i++ % N]!, { audience: 'uploads' });
        if (!r.valid) throw new Error(r.reason);
      }, ms, 200),
      () => opsPerSecondAsync(() => jwtVerify(tokens[j++ % N]!, publicKey, { algorithms: ['EdDSA'], issuer: 'keyward', audience: 'uploads' }), ms, 200),
      quick ? 3 : 7,
    );
    const warm = await compare(
      () => opsPerSecondAsync(() => kw.tokens.verify(tokens[i++ % 50]!, { audience: 'uploads' }), ms, 200),
      () => opsPerSecondAsync(() => jwtVerify(tokens[j++ % 50]!, publicKey, { algorithms: ['EdDSA'], issuer: 'keyward', audience: 'uploads' }), ms, 200),
      quick ? 3 : 7,
    );
    await kw.close();
    return [
      { name: 'JWT verify, every token new', subjectLabel: 'TokenService.verify', baselineLabel: 'jose jwtVerify', subject: { opsPerSec: cold.subject }, baseline: { opsPerSec: cold.baseline }, target: { minRatio: 0.9 }, notes: 'Keyward also pins the algorithm per kid, refuses key-bearing header parameters and checks app/environment claims' },
      { name: 'JWT verify, repeated token (cache)', subjectLabel: 'TokenService.verify', baselineLabel: 'jose jwtVerify', subject: { opsPerSec: warm.subject }, baseline: { opsPerSec: warm.baseline }, target: { minRatio: 1 } },
    ];
  },
};
export default bench;
