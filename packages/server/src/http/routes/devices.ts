import { Type } from '@sinclair/typebox';
import type { Device } from '../../devices/store.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { AppId, ERROR_RESPONSES, Environment, iso, Nullable } from '../schemas.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';
import { appScope, publishableScope } from './app-scope.js';

const DeviceView = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  environment: Type.String(),
  platform: Type.String(),
  appVersion: Nullable(),
  proof: Type.String({ description: '`secret`, `ed25519` or `ecdsa-p256-sha256`' }),
  publicJwk: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  createdAt: Type.String(),
  revokedAt: Nullable(),
});

function view(d: Device) {
  return { id: d.id, appId: d.appId, environment: d.environment, platform: d.platform, appVersion: d.appVersion, proof: d.alg ?? 'secret', publicJwk: d.publicJwk ? { ...d.publicJwk } : null, createdAt: iso(d.createdAtMs), revokedAt: d.revokedAtMs === null ? null : iso(d.revokedAtMs) };
}

export function deviceRoutes(server: Server, kw: Pick<Keyward, 'devices' | 'verifier'>): void {
  server.post(
    '/v1/devices',
    {
      config: { auth: 'public' }, // called by the app install; authenticated by the app's publishable key in X-Api-Key
      schema: {
        tags: ['devices'],
        summary: "Register an app install. With `publicKey` (Ed25519 or P-256 JWK) the device signs requests with keyid = its id; without, Keyward issues a device secret (shown once) for the keychain/keystore.",
        body: Type.Object(
          {
            platform: Type.String({ minLength: 1, maxLength: 32 }),
            appVersion: Type.Optional(Type.String({ maxLength: 32 })),
            publicKey: Type.Optional(Type.Record(Type.String({ maxLength: 16 }), Type.Unknown(), { maxProperties: 12 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ device: DeviceView, secret: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = await publishableScope(kw, request);
      const b = request.body;
      const r = await kw.devices.register({ appId: scope.appId, environment: scope.environment, platform: b.platform, ...(b.appVersion ? { appVersion: b.appVersion } : {}), ...(b.publicKey ? { publicKey: b.publicKey } : {}) }, { actor: scope.keyId, requestId: String(request.id) });
      return reply.code(201).header('cache-control', 'no-store').send({ device: view(r.device), ...(r.secret ? { secret: r.secret } : {}) });
    },
  );

  server.get(
    '/v1/devices',
    {
      config: { auth: 'root-or-secret', permission: 'devices:read' },
      schema: { tags: ['devices'], summary: 'List registered devices', querystring: Type.Object({ appId: Type.Optional(AppId), environment: Type.Optional(Environment) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(DeviceView) }), ...ERROR_RESPONSES } },
    },
    async (request) => {
      const scope = appScope(request, request.query);
      return { items: (await kw.devices.list(scope.appId, scope.environment)).map(view) };
    },
  );

  server.post(
    '/v1/devices/:deviceId/revoke',
    {
      config: { auth: 'root-or-secret', permission: 'devices:write' },
      schema: { tags: ['devices'], summary: 'Revoke a device credential (its secret or its registered key)', params: Type.Object({ deviceId: Type.String({ pattern: idPattern('dev') }) }), response: { 200: DeviceView, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const d = await kw.devices.get(request.params.deviceId);
      const key = request.caller!.key;
      if (key.kind !== 'root' && (key.appId !== d.appId || key.environment !== d.environment)) throw new KeywardError('NOT_FOUND', 'device not found');
      await kw.devices.revoke(d.id, actorOf(request));
      return view(await kw.devices.get(d.id));
    },
  );
}
