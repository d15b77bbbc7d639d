import { describe, expect, it } from 'vitest';
import type { Device, DeviceStore } from '../../src/devices/store.js';
import { newId } from '../../src/lib/ids.js';
import { count, draft, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

const JWK = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };

export function makeDevice(appId: string, over: Partial<Device> = {}): Device {
  return { id: newId('dev'), appId, environment: 'live', platform: 'ios', appVersion: '2.0.0', alg: 'ed25519', publicJwk: JWK, secretKeyId: null, createdAtMs: T0, revokedAtMs: null, ...over };
}

/**
 * The conformance suite every DeviceStore backend must pass (the MUST rules in
 * src/devices/store.ts). Call it with a factory returning a fresh, migrated, empty store.
 */
export function deviceStoreConformance(name: string, make: HarnessFactory<DeviceStore>): void {
  describe(`DeviceStore conformance: ${name}`, () => {
    it('registers a device with either proof (public key or device secret) and reads it back exactly; audited', async () => {
      const h = await make();
      const appId = await h.createApp();
      const keyed = makeDevice(appId);
      const secret = makeDevice(appId, { platform: 'android', appVersion: null, alg: null, publicJwk: null, secretKeyId: newId('key') });
      await h.store.insertDevice(keyed, draft('device.register', keyed.id));
      await h.store.insertDevice(secret, draft('device.register', secret.id));
      expect(await h.store.getDevice(keyed.id)).toEqual(keyed);
      expect(await h.store.getDevice(secret.id)).toEqual(secret);
      expect(await h.store.getDevice(newId('dev'))).toBeUndefined();
      expect((await h.audit()).map((r) => [r.action, r.target, r.atMs])).toEqual([
        ['device.register', keyed.id, T0],
        ['device.register', secret.id, T0],
      ]);
      await h.close();
    });

    it('a device id is registered once: a second registration is refused, changes nothing and is not audited', async () => {
      const h = await make();
      const appId = await h.createApp();
      const d = makeDevice(appId);
      await h.store.insertDevice(d, draft('device.register', d.id));
      const impostor = makeDevice(await h.createApp(), { id: d.id, publicJwk: { ...JWK, x: 'AAAA' } });
      await expect(h.store.insertDevice(impostor, draft('device.register', d.id))).rejects.toThrow();
      expect(await h.store.getDevice(d.id)).toEqual(d);
      expect(await h.audit()).toHaveLength(1);
      // Racing registrations of one id: exactly one lands.
      const raced = makeDevice(appId);
      const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => h.store.insertDevice({ ...raced, platform: `p${i}` }, draft('device.register', raced.id))));
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await h.audit()).filter((r) => r.target === raced.id)).toHaveLength(1);
      await h.close();
    });

    it('a registration whose audit record cannot be written leaves no device', async () => {
      const h = await make();
      const d = makeDevice(await h.createApp());
      await expect(h.store.insertDevice(d, unwritable('device.register', d.id))).rejects.toThrow();
      expect(await h.store.getDevice(d.id)).toBeUndefined();
      expect(await h.audit()).toEqual([]);
      await h.close();
    });

    it('listDevices: newest first, scoped to app and environment, revoked ones included, limited', async () => {
      const h = await make();
      const appId = await h.createApp();
      const a = makeDevice(appId, { createdAtMs: T0 });
      const b = makeDevice(appId, { createdAtMs: T0 + 2 });
      const c = makeDevice(appId, { createdAtMs: T0 + 1 });
      const testEnv = makeDevice(appId, { environment: 'test' });
      const elsewhere = makeDevice(await h.createApp());
      for (const d of [a, b, c, testEnv, elsewhere]) await h.store.insertDevice(d, draft('device.register', d.id));
      await h.store.revokeDevice(c.id, T0 + 5, draft('device.revoke', c.id));
      expect((await h.store.listDevices(appId, 'live', 100)).map((d) => d.id)).toEqual([b.id, c.id, a.id]);
      expect((await h.store.listDevices(appId, 'live', 2)).map((d) => d.id)).toEqual([b.id, c.id]);
      expect((await h.store.listDevices(appId, 'test', 100)).map((d) => d.id)).toEqual([testEnv.id]);
      await h.close();
    });

    it('revokeDevice: once, audited once; again is conflict; unknown is not_found; the first revocation time stands', async () => {
      const h = await make();
      const d = makeDevice(await h.createApp());
      await h.store.insertDevice(d, draft('device.register', d.id));
      expect(await h.store.revokeDevice(d.id, T0 + 5, draft('device.revoke', d.id))).toBe('ok');
      expect(await h.store.revokeDevice(d.id, T0 + 6, draft('device.revoke', d.id))).toBe('conflict');
      expect(await h.store.revokeDevice(newId('dev'), T0 + 6, draft('device.revoke', 'x'))).toBe('not_found');
      expect(await h.store.getDevice(d.id)).toEqual({ ...d, revokedAtMs: T0 + 5 });
      expect((await h.audit()).filter((r) => r.action === 'device.revoke').map((r) => r.target)).toEqual([d.id]);
      await h.close();
    });

    it('concurrent revokes of one device: exactly one wins', async () => {
      const h = await make();
      const d = makeDevice(await h.createApp());
      await h.store.insertDevice(d, draft('device.register', d.id));
      const outcomes = await race(10, (i) => h.store.revokeDevice(d.id, T0 + 10 + i, draft('device.revoke', d.id)));
      expect(count(outcomes, 'ok')).toBe(1);
      expect(count(outcomes, 'conflict')).toBe(9);
      expect((await h.audit()).filter((r) => r.action === 'device.revoke')).toHaveLength(1);
      await h.close();
    });

    it('a revoke whose audit record cannot be written leaves the device live', async () => {
      const h = await make();
      const d = makeDevice(await h.createApp());
      await h.store.insertDevice(d, draft('device.register', d.id));
      await expect(h.store.revokeDevice(d.id, T0 + 1, unwritable('device.revoke', d.id))).rejects.toThrow();
      expect((await h.store.getDevice(d.id))?.revokedAtMs).toBeNull();
      await h.close();
    });
  });
}
