/**
 * The demo's server side: Keyward (sessions, devices, tokens) and a small backend API protected by
 * Keyward's Express middleware, on one origin so a browser can call both without CORS.
 *
 *   GET /api/profile   needs a session AND a device signature; answers who is calling.
 *
 * Run both sides with `npm run demo` (examples/sdk-demo/run.ts); this file alone starts only the server side:
 * `npx tsx --conditions=@keyward/source examples/sdk-demo/server.ts` (prints the URL and the publishable key).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Caller } from '../../packages/server/src/credentials/caller.js';
import { buildServer } from '../../packages/server/src/http/server.js';
import { createKeyward, type Keyward } from '../../packages/server/src/keyward.js';
import { keywardExpress } from '../../packages/server/src/middleware/express.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';

export interface Demo {
  readonly url: string;
  readonly publishableKey: string;
  readonly kw: Keyward;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startDemo(options: { port?: number; sessionKeyTtlSeconds?: number; staticDir?: string } = {}): Promise<Demo> {
  const kw = await createKeyward({
    store: openSqliteStore({ dataDir: ':memory:' }),
    config: { logLevel: 'silent', sessionKeyTtlSeconds: options.sessionKeyTtlSeconds ?? 3600 },
  });
  const by = { actor: 'demo', requestId: 'demo' };
  const app = await kw.apps.create({ name: 'demo app' }, by);
  const pk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'demo app bundle' }, by);
  await kw.sessions.setPassword(app.id, 'live', 'ada', 'correct horse battery staple', by);

  const keyward = await buildServer(kw);
  const api = express();
  if (options.staticDir) {
    // The page's settings: a publishable key is public by design (it ships in every app bundle);
    // the demo user's password is shown here only because this is a demo.
    api.get('/demo/config.json', (_req, res) => res.json({ publishableKey: pk.secret, username: 'ada', password: 'correct horse battery staple' }));
    api.use('/demo', express.static(options.staticDir));
  }
  // Every /api route needs a session whose requests are signed by a registered device.
  api.use('/api', keywardExpress({
    verifiers: kw.credentials,
    environment: 'live',
    authorize: async (caller) => (caller.session && caller.signed ? { allowed: true } : { allowed: false, code: caller.session ? 'SIGNATURE_REQUIRED' : 'ACCESS_DENIED' }),
  }));
  api.get('/api/profile', (_req, res) => {
    const caller = (res.locals as { keyward: Caller }).keyward;
    res.json({ subject: caller.subject, signed: caller.signed, session: caller.session });
  });

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v1/') || url.startsWith('/.well-known/')) keyward.routing(req, res);
    else api(req, res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    publishableKey: pk.secret,
    kw,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await keyward.close();
      await kw.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 8790), sessionKeyTtlSeconds: 30 });
  console.log(`demo on ${demo.url}\npublishable key: ${demo.publishableKey}\nuser: ada / correct horse battery staple`);
}
