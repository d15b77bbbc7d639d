import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCorsOrigins } from '../../src/apps/cors-origins.js';
import { AppService } from '../../src/apps/service.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { CLI } from '../helpers.js';
import { startCluster } from '../cluster/harness.js';
import { freshSchema, PG_URL } from '../store/pg-harness.js';
import { eventually, gate, SHARED_BACKENDS, type SharedBackend } from './helpers.js';

/**
 * App settings reach every node through the change feed (#11), the same one revocations travel
 * on, not through their caches' TTL: the `apps` and `attestation_configs` triggers write change
 * rows of kind `app`, NOTIFY announces them on PostgreSQL, and the poll reads them on both.
 *
 * The in-process pairs run on a frozen clock, so no TTL can ever expire: whatever the second
 * instance sees, it learnt from the feed. On PostgreSQL the poll is off (NOTIFY alone).
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FROZEN_MS = Date.parse('2026-06-01T00:00:00Z');
const WITHIN_MS = 10_000; // generous for a loaded machine; a TTL can never expire on the frozen clock

async function frozenPair(backend: SharedBackend): Promise<{ a: Keyward; b: Keyward }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-appfeed-'));
  const schema = backend === 'postgres' ? await freshSchema() : undefined;
  const open = (): SqlStore => (schema ? openPostgresStore({ url: PG_URL, poolSize: 4, schema }) : openSqliteStore({ dataDir: dir }));
  const config = { logLevel: 'silent' as const, usageFlushIntervalMs: 0, changePollIntervalMs: backend === 'postgres' ? 0 : 20, appCacheTtlMs: 3_600_000 };
  const a = await createKeyward({ config, store: open(), now: () => FROZEN_MS });
  const b = await createKeyward({ config, store: open(), keyring: a.keyring, now: () => FROZEN_MS });
  cleanups.push(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { a, b };
}

describe.each(SHARED_BACKENDS)('app settings changed on one instance reach the other by the change feed (%s)', (backend) => {
  it('app record: CORS origins, anomaly actions and identity-free settings, as the hot paths read them (apps.getCached)', async () => {
    const { a, b } = await frozenPair(backend);
    const app = await a.apps.create({ name: 'feed' }, CLI);
    expect((await b.apps.getCached(app.id))?.settings.corsOrigins).toEqual([]); // cached on b
    await a.apps.update(app.id, { settings: { corsOrigins: ['https://new.example'], anomalyActions: { traffic_spike: 'suspend' }, leakAction: 'flag' } }, CLI);
    expect(await eventually(async () => (await b.apps.getCached(app.id))?.settings.corsOrigins[0] === 'https://new.example', WITHIN_MS)).toBe(true);
    expect((await b.apps.getCached(app.id))?.settings).toMatchObject({ anomalyActions: { traffic_spike: 'suspend' }, leakAction: 'flag' });
  });

  it('the CORS origins snapshot (no store read per request) follows the feed', async () => {
    const { a, b } = await frozenPair(backend);
    const app = await a.apps.create({ name: 'cors' }, CLI);
    const origins = new AppCorsOrigins(b.store);
    await origins.refresh();
    origins.follow(b.feed, (err) => {
      throw err;
    }); // no refresh timer: only the feed can update it
    cleanups.push(async () => origins.stop());
    expect(origins.forApp(app.id)).toEqual([]);
    await a.apps.update(app.id, { settings: { corsOrigins: ['https://web.example'] } }, CLI);
    expect(await eventually(async () => origins.forApp(app.id)[0] === 'https://web.example', WITHIN_MS)).toBe(true);
  });

  it('attestation settings per environment (monitor-only) reach the other instance', async () => {
    const { a, b } = await frozenPair(backend);
    const app = await a.apps.create({ name: 'attest' }, CLI);
    expect((await b.attestation.settings.get(app.id, 'live')).monitorOnly).toBe(false); // default, cached on b
    await a.attestation.settings.put(app.id, 'live', { monitorOnly: true }, CLI); // the first put inserts the row
    expect(await eventually(async () => (await b.attestation.settings.get(app.id, 'live')).monitorOnly, WITHIN_MS)).toBe(true);
    await a.attestation.settings.put(app.id, 'live', { monitorOnly: false }, CLI); // later puts update it
    expect(await eventually(async () => !(await b.attestation.settings.get(app.id, 'live')).monitorOnly, WITHIN_MS)).toBe(true);
    expect((await b.attestation.settings.get(app.id, 'test')).monitorOnly).toBe(false); // the other environment is its own
  });
});

describe('the app cache cannot be refilled with old settings (forced interleaving)', () => {
  it('a read that began before an invalidation answers but does not fill the cache', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-appfill-'));
    const store = openSqliteStore({ dataDir: dir });
    await store.migrate();
    cleanups.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const writer = new AppService({ store, now: () => FROZEN_MS, cacheTtlMs: 3_600_000 });
    const app = await writer.create({ name: 'race' }, CLI);
    const held = gate();
    let holdNext = true;
    const reader = new AppService({
      store: new Proxy(store, {
        get: (t, p) =>
          p === 'getApp'
            ? async (id: string) => {
                const row = await t.getApp(id); // the old row, read before the change commits…
                if (holdNext) {
                  holdNext = false;
                  await held.wait; // …and held until after the invalidation arrived
                }
                return row;
              }
            : Reflect.get(t, p, t),
      }),
      now: () => FROZEN_MS,
      cacheTtlMs: 3_600_000,
    });
    const stale = reader.getCached(app.id);
    await writer.update(app.id, { settings: { corsOrigins: ['https://after.example'] } }, CLI);
    reader.forget(app.id); // the feed's message for that change
    held.release();
    expect((await stale)?.settings.corsOrigins).toEqual([]); // the in-flight caller gets what it read
    expect((await reader.getCached(app.id))?.settings.corsOrigins).toEqual(['https://after.example']); // but it was not cached
  });
});

describe.each(['postgres', 'sqlite'] as const)('two `keyward start` processes (%s): an app settings change on node 1 is served by node 2 without waiting for a TTL', (store) => {
  it('certificate pins (apps.getCached) and CORS origins (the snapshot) on node 2', async () => {
    // TTLs of an hour: only the change feed can bring the change to node 2 within the test.
    const c = await startCluster({ nodes: 2, store, env: { KEYWARD_APP_CACHE_TTL_MS: '3600000' } });
    cleanups.push(c.close);
    const [n1, n2] = [c.nodes[0]!.base, c.nodes[1]!.base];
    const pins = async () => (await c.call(n2, 'GET', `/v1/apps/${c.appId}/pins`)).body.pins as string[];
    const preflight = async () => {
      const res = await request(`${n2}/v1/apps/${c.appId}/keys`, { method: 'OPTIONS', dispatcher: c.http, headers: { origin: 'https://web.example', 'access-control-request-method': 'POST' } });
      await res.body.dump();
      return res.headers['access-control-allow-origin'];
    };
    expect(await pins()).toEqual([]); // node 2 caches the app
    expect(await preflight()).toBeUndefined();
    const pin = `sha256/${'A'.repeat(43)}=`;
    const r = await c.call(n1, 'PATCH', `/v1/apps/${c.appId}`, { settings: { certificatePins: [pin], corsOrigins: ['https://web.example'] } });
    expect(r.status).toBe(200);
    expect(await eventually(async () => (await pins())[0] === pin, WITHIN_MS)).toBe(true);
    expect(await eventually(async () => (await preflight()) === 'https://web.example', WITHIN_MS)).toBe(true);
  }, 120_000);
});
