import { importJWK, jwtVerify } from 'jose';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { compare, opsPerSecondAsync, type BenchCase, type BenchRow } from '../lib.js';

/**
 * App-token verification as the gateway and the middleware run it (#12): the token scheme wrapped
 * by the attestation gate, i.e. the verified-token cache plus the instance check (cached, with
 * the app's attestation settings), against raw jose `jwtVerify` with the same key. Target: the
 * cached-JWT row's (10×): attestation must not cost the hot path a store read or a signature check.
 */
const bench: BenchCase = {
  name: 'app token verification',
  async run({ quick }) {
    const by = { actor: 'bench', requestId: 'bench' };
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
    const app = await kw.apps.create({ name: 'bench' }, by);
    await kw.attestation.settings.put(app.id, 'test', { maxAttestationsPerKeyPerHour: 10_000 }, by);
    const { token: debugToken } = await kw.attestation.admin.createDebugToken(app.id, 'bench', by);
    const tokens: string[] = [];
    for (let i = 0; i < 50; i++) {
      const { challenge } = await kw.attestation.flow.challenge(app.id, 'test');
      const r = await kw.attestation.flow.attest({ appId: app.id, environment: 'test', challenge, payload: { platform: 'debug', token: debugToken } }, by);
      if (!r.ok) throw new Error(r.code);
      tokens.push(r.appToken);
    }
    const verifyAppToken = kw.credentials.tokens!;
    const key = await importJWK((await kw.tokens.jwks()).keys.find((k) => k.alg === 'EdDSA')!, 'EdDSA');
    const ms = quick ? 300 : 600;
    let a = 0;
    let b = 0;
    const r = await compare(
      () =>
        opsPerSecondAsync(async () => {
          const v = await verifyAppToken(tokens[a++ % 50]!, {});
          if (!v.valid || v.caller.kind !== 'app-token') throw new Error('not an app token');
        }, ms, 200),
      () => opsPerSecondAsync(() => jwtVerify(tokens[b++ % 50]!, key, { algorithms: ['EdDSA'], issuer: 'keyward', audience: 'keyward:app' }), ms, 200),
      quick ? 3 : 15,
    );
    const rows: BenchRow[] = [
      {
        name: 'App token verify (gateway path: token cache + instance check)',
        subjectLabel: 'app-token scheme',
        baselineLabel: 'jose jwtVerify',
        subject: { opsPerSec: r.subject },
        baseline: { opsPerSec: r.baseline },
        pairedRatio: r.pairedRatio,
        target: { minRatio: 10 },
        notes: '50 app tokens of 50 attested instances, again and again; the instance and the app settings come from their caches (a revocation clears the entry through the change feed)',
      },
    ];
    // The same tokens through the token scheme without the attestation gate: Keyward's cached-JWT
    // path in the same async harness, so the ratio is what the instance check costs.
    const plainScheme = kw.tokens.scheme();
    let c = 0;
    let d = 0;
    const cached = await compare(
      () =>
        opsPerSecondAsync(async () => {
          const v = await verifyAppToken(tokens[c++ % 50]!, {});
          if (!v.valid) throw new Error('refused');
        }, ms, 200),
      () =>
        opsPerSecondAsync(async () => {
          const v = await plainScheme(tokens[d++ % 50]!, {});
          if (!v.valid) throw new Error('refused');
        }, ms, 200),
      quick ? 3 : 15,
    );
    rows.push({
      name: 'App token verify vs the cached-JWT token scheme (same tokens, same harness)',
      subjectLabel: 'app-token scheme',
      baselineLabel: 'token scheme without the attestation gate',
      subject: { opsPerSec: cached.subject },
      baseline: { opsPerSec: cached.baseline },
      pairedRatio: cached.pairedRatio,
      target: { minRatio: 0.5 },
      notes: 'issue #12 "app-token verification runs at cached-JWT speed": the baseline is the verified-token cache path itself; the difference is the instance and settings lookups (both cached)',
    });
    await kw.close();
    return rows;
  },
};
export default bench;
