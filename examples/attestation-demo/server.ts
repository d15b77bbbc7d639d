/**
 * The attestation demo's server side: Keyward with the simulated platform verifier, and a small
 * API behind Keyward's Express middleware with an access map:
 *
 *   GET  /api/feed   require: [attestation]   an app token of an attested instance
 *   POST /api/pay    require: [assertion]     that, plus a per-request assertion
 *
 * `npx tsx --conditions=@keyward/source examples/attestation-demo/run.ts` runs both sides.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Caller } from '../../packages/server/src/credentials/caller.js';
import { buildServer } from '../../packages/server/src/http/server.js';
import { createKeyward, type Keyward } from '../../packages/server/src/keyward.js';
import { keywardExpress } from '../../packages/server/src/middleware/express.js';
import { compileAccessMap } from '../../packages/server/src/policy/evaluate.js';
import { parseAccessMap } from '../../packages/server/src/policy/load.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { simulatedPlatformVerifier } from './platform.js';

const ACCESS_MAP = `version: 1
resources:
  - { path: /api/feed, methods: [GET], allow: [app-token], require: [attestation] }
  - { path: /api/pay, methods: [POST], allow: [app-token], require: [assertion] }
`;

export interface AttestationDemo {
  readonly url: string;
  readonly publishableKey: string;
  readonly appId: string;
  readonly kw: Keyward;
  close(): Promise<void>;
}

export async function startAttestationDemo(): Promise<AttestationDemo> {
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent' }, attestationVerifiers: [simulatedPlatformVerifier] });
  const by = { actor: 'demo', requestId: 'demo' };
  const app = await kw.apps.create({ name: 'attestation demo' }, by);
  const pk = await kw.keys.create({ appId: app.id, environment: 'test', kind: 'publishable', name: 'app bundle' }, by);
  await kw.attestation.settings.put(app.id, 'test', { runtimeSecrets: ['maps_client_key'] }, by);
  await kw.secrets.set({ appId: app.id, environment: 'test', name: 'maps_client_key', value: 'demo-maps-client-key-0001' }, by);

  const keyward = await buildServer(kw);
  const api = express();
  api.use('/api', keywardExpress({ verifiers: kw.credentials, accessMap: compileAccessMap(parseAccessMap(ACCESS_MAP)), attestation: kw.attestation.gate, limits: kw.limits }));
  api.get('/api/feed', (_req, res) => {
    const caller = (res.locals as { keyward: Caller }).keyward;
    res.json({ attested: caller.attested, instance: caller.instanceId });
  });
  api.post('/api/pay', (req, res) => res.json({ paid: (req.body as { amount?: number } | undefined)?.amount ?? null }));

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v1/') || url.startsWith('/.well-known/')) keyward.routing(req, res);
    else api(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    publishableKey: pk.secret,
    appId: app.id,
    kw,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await keyward.close();
      await kw.close();
    },
  };
}
