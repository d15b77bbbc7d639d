import { createHmac } from 'node:crypto';
import { httpbis, createSigner as hmsCreateSigner, createVerifier as hmsCreateVerifier } from 'http-message-signatures';
import { fromRawHeaders, type HttpMessageView } from '@keyward/protocol';
import { createSigner } from '../../packages/client/src/signer.js';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { MemoryNonceStore } from '../../packages/server/src/signatures/nonce-store.js';
import { verifyRequestSignature } from '../../packages/server/src/signatures/verify.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { compare, median, type BenchCase } from '../lib.js';

/**
 * RFC 9421 HMAC verification in process. Keyward's verifier (with its replay cache, unique nonces)
 * vs the `http-message-signatures` package verifying equivalent requests (same key, same covered
 * components). Targets (issue #3): ≥ 2× the package, and ≥ 100k verifications/s on one core.
 *
 * Keyward resolves the key id the way the server does: a real signing credential in the SQLite
 * store, opened through `SigningKeyResolver` (its cache answers synchronously once warm).
 */
const N = 4000;

const bench: BenchCase = {
  name: 'RFC 9421 HMAC verification',
  async run({ quick }) {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0 } });
    const by = { actor: 'bench', requestId: 'bench' };
    const app = await kw.apps.create({ name: 'bench' }, by);
    const issued = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'bench signer' }, by);
    const SECRET = issued.secret;
    const KEY_ID = issued.key.id;
    const now = Math.floor(Date.now() / 1000);
    const kwSigner = createSigner({ keyId: KEY_ID, alg: 'hmac-sha256', key: SECRET, coverHeaders: ['content-type'] });
    const kwRequests: HttpMessageView[] = [];
    const hmsRequests: { method: string; url: string; headers: Record<string, string> }[] = [];
    const hmsKey = hmsCreateSigner(SECRET, 'hmac-sha256', KEY_ID);
    for (let i = 0; i < N; i++) {
      const url = new URL(`https://api.example.com/v1/users/${i}/tags?limit=10`);
      const headers = new Headers({ 'content-type': 'application/json' });
      const added = await kwSigner.sign({ method: 'GET', url, headers }, now);
      const raw = ['Host', url.host, 'content-type', 'application/json'];
      for (const [n, v] of Object.entries(added)) raw.push(n, v);
      kwRequests.push(fromRawHeaders('GET', 'https', url.pathname + url.search, raw));
      const signed = await httpbis.signMessage(
        { key: hmsKey, fields: ['@method', '@authority', '@path', '@query', 'content-type'], params: ['created', 'expires', 'nonce', 'keyid', 'alg'], paramValues: { nonce: `n${i}-${Math.random()}` } as never },
        { method: 'GET', url: url.toString(), headers: { 'content-type': 'application/json' } },
      );
      hmsRequests.push(signed as never);
    }
    const keywardRound = async () => {
      // A fresh replay cache per round: every round verifies the same requests (and nonces) again.
      const options = { resolveKey: kw.signingKeys.resolve, nonces: new MemoryNonceStore({ maxPerKey: N * 2, now: Date.now }), now: Date.now };
      const t0 = performance.now();
      for (const view of kwRequests) {
        const r = await verifyRequestSignature(view, undefined, options);
        if (!r.valid) throw new Error(`keyward rejected a valid request: ${r.reason}`);
      }
      return N / ((performance.now() - t0) / 1000);
    };
    const verifier = hmsCreateVerifier(SECRET, 'hmac-sha256');
    const hmsRound = async () => {
      const t0 = performance.now();
      for (const req of hmsRequests) {
        const ok = await httpbis.verifyMessage({ keyLookup: async () => ({ id: KEY_ID, algs: ['hmac-sha256'], verify: verifier }) }, req);
        if (!ok) throw new Error('http-message-signatures rejected a valid request');
      }
      return N / ((performance.now() - t0) / 1000);
    };
    const bareRound = () => {
      const base = '"@method": GET\n"@authority": api.example.com\n"@path": /v1/users/1/tags\n"@query": ?limit=10\n"content-type": application/json\n"@signature-params": ("@method" "@authority" "@path" "@query" "content-type");created=1;expires=2;nonce="abc";alg="hmac-sha256";keyid="k"';
      const t0 = performance.now();
      for (let i = 0; i < N; i++) createHmac('sha256', SECRET).update(base).digest();
      return N / ((performance.now() - t0) / 1000);
    };
    const rounds = quick ? 3 : 9;
    // One untimed round of each first, so no side is measured while the JIT is still compiling it.
    await keywardRound();
    await hmsRound();
    bareRound();
    const vsPackage = await compare(keywardRound, hmsRound, rounds);
    const vsHmac = await compare(keywardRound, bareRound, rounds);
    await kw.close();
    return [
      {
        name: 'HMAC signature verify vs http-message-signatures',
        subjectLabel: 'Keyward verifyRequestSignature',
        baselineLabel: 'http-message-signatures verifyMessage',
        subject: { opsPerSec: vsPackage.subject },
        pairedRatio: vsPackage.pairedRatio,
        baseline: { opsPerSec: vsPackage.baseline },
        target: { minRatio: 2 },
        notes: 'same HMAC key and covered components (@method @authority @path @query content-type); Keyward also checks created/expires, coverage and the nonce replay cache',
      },
      {
        name: 'HMAC signature verify, absolute rate',
        subjectLabel: 'Keyward verifyRequestSignature',
        baselineLabel: 'bare createHmac over a base',
        // Every Keyward round of both comparisons measures the same thing: the median of all of them.
        subject: { opsPerSec: median([...vsPackage.subjectRounds, ...vsHmac.subjectRounds]) },
        baseline: { opsPerSec: vsHmac.baseline },
        target: { minOpsPerSec: 100_000 },
        notes: `median of all ${rounds * 2} Keyward rounds of ${N} verifications; the bare HMAC ran at ${Math.round(vsHmac.baseline).toLocaleString('en-US')}/s in the same run (this VM's speed moves by a third within minutes)`,
      },
    ];
  },
};
export default bench;
