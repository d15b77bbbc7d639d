import { describe, expect, it } from 'vitest';
import { generateDeviceKeyPair } from '../../../client/src/index.js';
import { LocalInvalidationBus } from '../../src/cache/invalidation.js';
import { DeviceService } from '../../src/devices/service.js';
import { SessionService } from '../../src/sessions/service.js';
import { SigningKeyResolver } from '../../src/signatures/resolver.js';
import { SqlDeviceStore } from '../../src/store/sql/device-store.js';
import { SqlSessionStore } from '../../src/store/sql/session-store.js';
import { SqlTokenStore } from '../../src/store/sql/token-store.js';
import { TokenService } from '../../src/tokens/service.js';
import { CLI, makeKeyward } from '../helpers.js';
import { gate } from './helpers.js';

/**
 * A read that started before a revoke and finishes after it must not put the revoked entry back
 * into a cache. Each test holds the store read on a promise, revokes, then releases the read.
 */
describe('no cache-fill race brings a revoked entry back', () => {
  it('signature key resolver', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const held = gate();
    let hold = true;
    const store = {
      getKey: async (id: string) => {
        const r = await kw.store.getKey(id); // read before the revoke…
        if (hold) await held.wait; // …answered after it
        return r;
      },
      listKeySecrets: (id: string) => kw.store.listKeySecrets(id),
    };
    const resolver = new SigningKeyResolver({ store, keyring: kw.keyring, bus: kw.feed, now: kw.now, cacheTtlMs: 60_000 });
    const inFlight = resolver.resolve(k.key.id);
    await new Promise((r) => setImmediate(r));
    await kw.keys.revoke(k.key.id, 'leaked', CLI); // publishes the invalidation on the feed
    hold = false;
    held.release();
    expect(await inFlight).toBeDefined(); // the racing request itself saw the pre-revoke state
    expect(await resolver.resolve(k.key.id)).toBeUndefined(); // but it did not refill the cache
    await kw.close();
  });

  it('device key lookups', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const real = new SqlDeviceStore(kw.store.db);
    const held = gate();
    let hold = false;
    const store = {
      insertDevice: real.insertDevice.bind(real),
      listDevices: real.listDevices.bind(real),
      revokeDevice: real.revokeDevice.bind(real),
      getDevice: async (id: string) => {
        const r = await real.getDevice(id);
        if (hold) await held.wait;
        return r;
      },
    };
    const devices = new DeviceService({ store, keys: kw.keys, now: kw.now });
    const { publicJwk } = await generateDeviceKeyPair('ed25519');
    const { device } = await devices.register({ appId: app.id, environment: 'live', platform: 'ios', publicKey: publicJwk as unknown as Record<string, unknown> }, CLI);
    hold = true;
    const inFlight = devices.lookup(device.id);
    await new Promise((r) => setImmediate(r));
    hold = false;
    await devices.revoke(device.id, CLI);
    held.release();
    expect(await inFlight).toBeDefined();
    expect(await devices.lookup(device.id)).toBeUndefined();
    await kw.close();
  });

  it('session lookups', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const real = new SqlSessionStore(kw.store.db, 'sqlite');
    const held = gate();
    let hold = false;
    const store = Object.create(real) as SqlSessionStore;
    store.findBySessionKeyHash = async (hash: string) => {
      const r = await real.findBySessionKeyHash(hash);
      if (hold) await held.wait;
      return r;
    };
    const sessions = new SessionService({ store, now: kw.now, touchFlushIntervalMs: 0, cacheTtlMs: 60_000 });
    const issued = await sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    hold = true;
    const inFlight = sessions.verify(issued.sessionKey);
    await new Promise((r) => setImmediate(r));
    hold = false;
    await sessions.revoke(issued.session.id, 'logout', CLI);
    held.release();
    expect(await inFlight).toMatchObject({ valid: true });
    expect(await sessions.verify(issued.sessionKey)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    await sessions.close();
    await kw.close();
  });

  it('JWT signing keys: a key read that started before a revoking rotation does not bring the revoked key back', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const real = new SqlTokenStore(kw.store.db);
    let hold = false;
    let readDone!: () => void;
    const held = gate();
    const store = Object.create(real) as SqlTokenStore;
    store.listSigningKeys = async () => {
      const r = await real.listSigningKeys(); // the keys before the rotation…
      if (hold) {
        hold = false;
        readDone();
        await held.wait; // …answered after it
      }
      return r;
    };
    const tokens = new TokenService({ store, keyring: kw.keyring, now: kw.now, maintenanceIntervalMs: 0 });
    const minted = await tokens.mint({ appId: app.id, environment: 'live', subject: 'u1', scopes: [], audience: 'api', ttlSeconds: 600 });
    expect(await tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: true });
    hold = true;
    const read = new Promise<void>((r) => (readDone = r));
    const stale = tokens.signingKeysChanged(); // e.g. an unrelated change: starts a read of the key table
    await read;
    await kw.tokens.rotate('EdDSA', CLI, { immediate: true, revokePrevious: true }); // another writer revokes the key
    const fresh = tokens.signingKeysChanged(); // its change arrives while the stale read is held
    held.release();
    await Promise.all([stale, fresh]);
    expect(await tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
    tokens.close();
    await kw.close();
  });

  it('the resolver also drops entries on a feed message (the path other processes arrive by)', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const bus = new LocalInvalidationBus();
    let reads = 0;
    const store = { getKey: async (id: string) => (reads++, kw.store.getKey(id)), listKeySecrets: (id: string) => kw.store.listKeySecrets(id) };
    const resolver = new SigningKeyResolver({ store, keyring: kw.keyring, bus, now: kw.now, cacheTtlMs: 60_000 });
    await resolver.resolve(k.key.id);
    await resolver.resolve(k.key.id);
    expect(reads).toBe(1);
    await bus.publish({ type: 'key', keyId: k.key.id });
    await resolver.resolve(k.key.id);
    expect(reads).toBe(2);
    await bus.publish({ type: 'device', deviceId: 'dev_x' }); // unrelated: keeps the entry
    await resolver.resolve(k.key.id);
    expect(reads).toBe(2);
    await kw.close();
  });
});
