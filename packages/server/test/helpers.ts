import { buildServer } from '../src/http/server.js';
import type { Server } from '../src/http/types.js';
import { manualClock } from '../src/lib/clock.js';
import { createKeyward, type Keyward } from '../src/keyward.js';
import { openSqliteStore } from '../src/store/sqlite.js';

export const CLI = { actor: 'test', requestId: 'req_test' } as const;

/** A Keyward on a fresh in-memory SQLite store with a frozen clock. */
export async function makeKeyward(options: { startMs?: number; cacheTtlMs?: number } = {}) {
  const clock = manualClock(options.startMs ?? Date.UTC(2026, 5, 1));
  const kw = await createKeyward({
    store: openSqliteStore({ dataDir: ':memory:' }),
    now: clock,
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, ...(options.cacheTtlMs !== undefined ? { cacheTtlMs: options.cacheTtlMs } : {}) },
  });
  return { kw, clock };
}

/** An app with a root key, ready for HTTP tests (server options such as an access map passed through). */
export async function makeApi(serverOptions: Parameters<typeof buildServer>[1] = {}): Promise<{ kw: Keyward; server: Server; root: string; appId: string; clock: ReturnType<typeof manualClock> }> {
  const { kw, clock } = await makeKeyward();
  const server = await buildServer(kw, serverOptions);
  const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  const app = await kw.apps.create({ name: 'demo' }, CLI);
  return { kw, server, root, appId: app.id, clock };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
