import { createGateway } from '../../packages/server/src/gateway/proxy.js';
import type { GatewayPolicy } from '../../packages/server/src/gateway/types.js';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';

/** Shared by the gateway bench: one app, one secret key, the gateway in front of `upstream`. */
export async function buildGatewayForBench(upstream: string) {
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0 } });
  const by = { actor: 'bench', requestId: 'bench' };
  const app = await kw.apps.create({ name: 'bench' }, by);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'k' }, by);
  const policy: GatewayPolicy = {
    needsBody: () => false,
    async decide(req) {
      const auth = req.headers.authorization?.slice(7);
      if (!auth) return { allow: false, code: 'CREDENTIAL_MISSING' };
      const d = await kw.verifier.verify(auth, { kinds: ['secret'] });
      if (!d.valid) return { allow: false, code: d.code };
      return { allow: true, upstreamHeaders: { 'x-keyward-key-id': d.key.id }, responseHeaders: {} };
    },
  };
  const gateway = createGateway({ upstreamUrl: upstream, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  return { kw, gateway, key: sk.secret };
}
