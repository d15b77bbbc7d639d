import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { SqlTokenStore } from '../../packages/server/src/store/sql/token-store.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { createTokenService } from '../../packages/server/src/tokens/service.js';
import type { JwtAlgorithm } from '../../packages/server/src/tokens/store.js';
import { compare, compareInterleaved, opsPerSecondAsync, type BenchCase, type BenchRow } from '../lib.js';

/**
 * Token verification vs raw jose `jwtVerify` with the same key (a CryptoKey imported from the
 * published JWK, which is also what Keyward hands jose), same issuer and audience checks.
 *  - cold: Keyward's verified-token cache disabled and every token distinct, so both sides check
 *    a signature per call; the target is within 10% of jose.
 *  - repeat: the same 50 tokens again and again, with the cache (jose has none).
 */
const bench: BenchCase = {
  name: 'JWT verification',
  async run({ quick }) {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
    const app = await kw.apps.create({ name: 'bench' }, { actor: 'bench', requestId: 'bench' });
    const base = { store: new SqlTokenStore(kw.store.db), keyring: kw.keyring, now: kw.now, maxTtlSeconds: 3600, maintenanceIntervalMs: 0 };
    const cold = createTokenService({ ...base, verifiedCacheMaxEntries: 0 });
    const warm = createTokenService(base);
    const N = quick ? 1000 : 3000;
    const ms = quick ? 300 : 600;
    const rounds = quick ? 3 : 15;
    const rows: BenchRow[] = [];

    const mintAll = async (alg: JwtAlgorithm) => {
      const out: string[] = [];
      for (let i = 0; i < N; i++) out.push((await cold.mint({ appId: app.id, environment: 'live', subject: `u${i}`, scopes: ['files:write'], audience: 'uploads', ttlSeconds: 3600, alg })).token);
      return out;
    };
    const keyFor = async (alg: JwtAlgorithm) => importJWK((await cold.jwks()).keys.find((k) => k.alg === alg)!, alg);
    const joseOptions = (alg: JwtAlgorithm) => ({ algorithms: [alg], issuer: 'keyward', audience: 'uploads' });

    for (const alg of ['EdDSA', 'ES256'] as const) {
      const tokens = await mintAll(alg);
      const key = await keyFor(alg);
      let i = 0;
      let j = 0;
      // Short alternating batches: both sides wait on the same thread pool at the same moments.
      const r = await compareInterleaved(
        async () => {
          const v = await cold.verify(tokens[i++ % N]!, { audience: 'uploads' });
          if (!v.valid) throw new Error(v.reason);
        },
        () => jwtVerify(tokens[j++ % N]!, key, joseOptions(alg)),
        25,
        quick ? 40 : 200,
      );
      rows.push({
        name: `JWT verify ${alg}, every token new (no cache)`,
        subjectLabel: 'TokenService.verify',
        baselineLabel: 'jose jwtVerify',
        subject: { opsPerSec: r.subject },
        pairedRatio: r.pairedRatio,
        baseline: { opsPerSec: r.baseline },
        target: { minRatio: 2 },
        notes: alg === 'EdDSA' ? 'alternating batches of 25 verifications, 200 rounds (jose waits on the WebCrypto thread pool, whose latency drifts; Keyward verifies synchronously with a KeyObject pinned per kid); Keyward also checks the format (canonical base64url), allows only alg/kid/typ headers, pins alg per kid, requires every Keyward claim and checks app/environment/scopes' : undefined,
      });
      // The ceiling: the signature check alone (crypto.verify on a KeyObject, no parsing, no claim
      // checks) against the same jose calls. No verifier that checks one signature per new token
      // can beat this ratio on this machine; the 2× target is read against it.
      const jwk = (await cold.jwks()).keys.find((k) => k.alg === alg)!;
      const publicKey = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
      const raw = tokens.map((t) => ({ data: Buffer.from(t.slice(0, t.lastIndexOf('.')), 'latin1'), sig: Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url') }));
      let k = 0;
      let m = 0;
      const c = await compareInterleaved(
        async () => {
          const t = raw[k++ % N]!;
          const ok = alg === 'EdDSA' ? cryptoVerify(null, t.data, publicKey, t.sig) : cryptoVerify('sha256', t.data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, t.sig);
          if (!ok) throw new Error('bad signature');
        },
        () => jwtVerify(tokens[m++ % N]!, key, joseOptions(alg)),
        25,
        quick ? 40 : 200,
      );
      rows.push({
        name: `JWT verify ${alg}: the signature check alone vs jose (ceiling, no target)`,
        subjectLabel: 'crypto.verify only',
        baselineLabel: 'jose jwtVerify',
        subject: { opsPerSec: c.subject },
        pairedRatio: c.pairedRatio,
        baseline: { opsPerSec: c.baseline },
        notes: alg === 'EdDSA' ? 'the same tokens and key; what is left when every parse and claim check is removed (about 85% of the time is OpenSSL\'s curve arithmetic, by perf); Keyward\'s row above divided by this one is the share of the ceiling it reaches' : undefined,
      });
      if (alg === 'EdDSA') {
        const key50 = tokens.slice(0, 50);
        let a = 0;
        let b = 0;
        const w = await compare(
          () => opsPerSecondAsync(() => warm.verify(key50[a++ % 50]!, { audience: 'uploads' }), ms, 200),
          () => opsPerSecondAsync(() => jwtVerify(key50[b++ % 50]!, key, joseOptions(alg)), ms, 200),
          rounds,
        );
        rows.push({ name: 'JWT verify EdDSA, repeated token (verified-token cache)', subjectLabel: 'TokenService.verify', baselineLabel: 'jose jwtVerify', subject: { opsPerSec: w.subject }, baseline: { opsPerSec: w.baseline }, pairedRatio: w.pairedRatio, target: { minRatio: 10 } });
      }
    }
    cold.close();
    warm.close();
    await kw.close();
    return rows;
  },
};
export default bench;
