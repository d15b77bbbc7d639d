/** Child process for the HTTP benchmark: Keyward on loopback with one app, a root key and a key to verify. */
import { buildServer } from '../../packages/server/src/http/server.js';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { ready } from './child.js';

const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0 } });
const by = { actor: 'bench', requestId: 'bench' };
const root = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, by);
const app = await kw.apps.create({ name: 'bench' }, by);
const pk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'app' }, by);
const server = await buildServer(kw, { logger: undefined });
const address = await server.listen({ port: 0, host: '127.0.0.1' });
ready({ address, root: root.secret, key: pk.secret });
