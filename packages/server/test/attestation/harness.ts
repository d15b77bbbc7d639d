import { buildServer } from '../../src/http/server.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward } from '../../src/keyward.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { CLI } from '../helpers.js';
import { simulatedVerifier } from './simulated-platform.js';

export const T0 = Date.UTC(2026, 5, 1);

/** A Keyward (memory SQLite, frozen clock) with the simulated platform verifier, an app, keys and an HTTP server. */
export async function attestationApi(config: Record<string, unknown> = {}) {
  const clock = manualClock(T0);
  const kw = await createKeyward({
    store: openSqliteStore({ dataDir: ':memory:' }),
    now: clock,
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, ...config },
    attestationVerifiers: [simulatedVerifier],
  });
  const server = await buildServer(kw);
  const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  const app = await kw.apps.create({ name: 'demo' }, CLI);
  const pk = { test: (await kw.keys.create({ appId: app.id, environment: 'test', kind: 'publishable', name: 'pk' }, CLI)).secret, live: (await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'pk' }, CLI)).secret };
  for (const environment of ['live', 'test'] as const) await kw.attestation.settings.put(app.id, environment, { policy: { android: { packageNames: ['com.example'], signingCertDigests: [], minSecurityLevel: 'tee', requireLockedBootloader: true, requireVerifiedBoot: true } } }, CLI);
  const close = async () => {
    await server.close();
    await kw.close();
  };
  return { kw, server, root, appId: app.id, pk, clock, close };
}

export type AttestationApi = Awaited<ReturnType<typeof attestationApi>>;

export async function challenge(api: AttestationApi, env: 'live' | 'test' = 'test'): Promise<string> {
  const r = await api.server.inject({ method: 'POST', url: '/v1/attest/challenge', headers: { 'x-api-key': api.pk[env] } });
  if (r.statusCode !== 201) throw new Error(`challenge: ${r.statusCode} ${r.body}`);
  return r.json().challenge;
}

/** `payload` may be built from the challenge (a fresh one unless `c` is given). */
export async function attest(api: AttestationApi, payload: unknown, env: 'live' | 'test' = 'test', c?: string) {
  const ch = c ?? (await challenge(api, env));
  const body = typeof payload === 'function' ? payload(ch) : payload;
  return api.server.inject({ method: 'POST', url: '/v1/attest', headers: { 'x-api-key': api.pk[env] }, payload: { challenge: ch, payload: body } });
}
