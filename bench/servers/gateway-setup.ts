import { createGatewayPolicy } from '../../packages/server/src/gateway/policy.js';
import { createGateway } from '../../packages/server/src/gateway/proxy.js';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { compileAccessMap } from '../../packages/server/src/policy/evaluate.js';
import { parseAccessMap } from '../../packages/server/src/policy/load.js';
import { MemoryRateLimitStore } from '../../packages/server/src/ratelimit/store.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';

/** The real gateway pipeline: key auth (cached), access map, a per-key rate limit, identity token. */
export async function buildGatewayForBench(upstream: string) {
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0 } });
  const by = { actor: 'bench', requestId: 'bench' };
  const app = await kw.apps.create({ name: 'bench' }, by);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'k' }, by);
  const map = compileAccessMap(
    parseAccessMap(`
version: 1
limits:
  per-key: { rate: 100000000, windowSeconds: 60, burst: 1000000, by: credential }
resources:
  - path: /users/{userId}
    methods: [GET]
    allow: [secret]
    rateLimits: [per-key]
`),
  );
  const policy = createGatewayPolicy({ kw, map, limits: new MemoryRateLimitStore() });
  const gateway = createGateway({ upstreamUrl: upstream, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  return { kw, gateway, key: sk.secret };
}
