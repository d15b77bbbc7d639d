/** Child process for the dashboard benchmark: Keyward on loopback serving the built dashboard at `/` (BENCH_DASHBOARD_DIR). */
import { buildServer } from '../../packages/server/src/http/server.js';
import { createKeyward } from '../../packages/server/src/keyward.js';
import { openSqliteStore } from '../../packages/server/src/store/sqlite.js';
import { ready } from './child.js';

const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0 } });
const server = await buildServer(kw, { logger: undefined, dashboardDir: process.env.BENCH_DASHBOARD_DIR! });
const address = await server.listen({ port: 0, host: '127.0.0.1' });
ready({ address });
