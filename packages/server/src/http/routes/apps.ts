import { Type } from '@sinclair/typebox';
import { KeywardError } from '../../errors/keyward-error.js';
import { SignedPinSetCache } from '../../apps/pin-set.js';
import type { Keyward } from '../../keyward.js';
import { AppId, AppSettingsSchema, AppView, ERROR_RESPONSES, Limit, parseLimit } from '../schemas.js';
import type { Server } from '../types.js';
import { appView } from '../views.js';
import { actorOf } from './actor.js';
import { powerOf, reachesApp } from '../../rootkeys/permissions.js';

export function appRoutes(server: Server, kw: Pick<Keyward, 'apps' | 'now' | 'tokens'>): void {
  server.post(
    '/v1/apps',
    {
      config: { auth: 'root', permission: 'apps:write' },
      schema: {
        tags: ['apps'],
        summary: 'Create an app (tenant) with live and test environments',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), settings: Type.Optional(AppSettingsSchema) }, { additionalProperties: false }),
        response: { 201: AppView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const app = await kw.apps.create(request.body, actorOf(request));
      return reply.code(201).send(appView(app));
    },
  );

  server.get(
    '/v1/apps',
    {
      config: { auth: 'root', permission: 'apps:read', apps: 'handler' },
      schema: {
        tags: ['apps'],
        summary: 'List apps',
        querystring: Type.Object({ limit: Type.Optional(Limit), after: Type.Optional(AppId) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(AppView), next: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const page = await kw.apps.list({ limit: parseLimit(request.query.limit), ...(request.query.after ? { after: request.query.after } : {}) });
      // A root key restricted to some apps sees only those (pages may then hold fewer items).
      const power = powerOf(request.caller!.key);
      return { items: page.items.filter((a) => reachesApp(power, a.id)).map(appView), ...(page.next ? { next: page.next } : {}) };
    },
  );

  server.get(
    '/v1/apps/:appId',
    {
      config: { auth: 'root', permission: 'apps:read', apps: 'param' },
      schema: { tags: ['apps'], summary: 'Get an app', params: Type.Object({ appId: AppId }), response: { 200: AppView, ...ERROR_RESPONSES } },
    },
    async (request) => appView(await kw.apps.get(request.params.appId)),
  );

  server.patch(
    '/v1/apps/:appId',
    {
      config: { auth: 'root', permission: 'apps:write', apps: 'param' },
      schema: {
        tags: ['apps'],
        summary: 'Rename an app or change its settings',
        params: Type.Object({ appId: AppId }),
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), settings: Type.Optional(AppSettingsSchema) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: AppView, ...ERROR_RESPONSES },
      },
    },
    async (request) => appView(await kw.apps.update(request.params.appId, request.body, actorOf(request))),
  );

  server.delete(
    '/v1/apps/:appId',
    {
      config: { auth: 'root', permission: 'apps:write', apps: 'param' },
      schema: {
        tags: ['apps'],
        summary: 'Delete an app. Refused (409 APP_HAS_CREDENTIALS) while it has live keys, sessions or devices, unless force=true: then every key, session, device and token of the app is revoked with it, in one audited transaction.',
        description: 'The app is then gone from GET and list (404), and its keys verify as INVALID_CREDENTIAL in every process on the store.',
        params: Type.Object({ appId: AppId }),
        querystring: Type.Object(
          {
            force: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'Revoke the live credentials with the app' })),
            reason: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "Every revoked key's and session's reason (default: app deleted)" })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ id: Type.String(), deleted: Type.Literal(true), revokedKeys: Type.Array(Type.String()), revokedSessions: Type.Integer(), revokedDevices: Type.Integer() }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const r = await kw.apps.delete(request.params.appId, { force: request.query.force === 'true', ...(request.query.reason !== undefined ? { reason: request.query.reason } : {}) }, actorOf(request));
      return { id: r.id, deleted: true as const, revokedKeys: [...r.revokedKeys], revokedSessions: r.revokedSessions, revokedDevices: r.revokedDevices };
    },
  );
}

/**
 * The app's certificate pin set as a JWS signed with Keyward's token keys (verify it against
 * /.well-known/jwks.json, whose key the app ships with). Public: pins are not secret, and the
 * signature is what makes them trustworthy.
 */
export function pinRoutes(server: Server, kw: Pick<Keyward, 'apps' | 'now' | 'tokens'>): void {
  // Signed once per (pins, signing key), not per public request (apps/pin-set.ts).
  const pinSets = new SignedPinSetCache(kw.tokens, kw.now);
  server.get(
    '/v1/apps/:appId/pins',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['apps'],
        summary: "The app's TLS certificate pins, signed (JWS, typ kw-pins+jwt) with Keyward's JWKS keys, so pins rotate without an app release",
        params: Type.Object({ appId: AppId }),
        response: { 200: Type.Object({ pinSet: Type.String(), pins: Type.Array(Type.String()), expiresAt: Type.String() }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const app = await kw.apps.getCached(request.params.appId);
      if (!app) throw new KeywardError('NOT_FOUND', 'app not found');
      const { pinSet, expiresAtMs } = await pinSets.get(app.id, app.settings.certificatePins, app.settings.pinSetTtlSeconds);
      return reply.header('cache-control', 'public, max-age=300').send({ pinSet, pins: [...app.settings.certificatePins], expiresAt: new Date(expiresAtMs).toISOString() });
    },
  );
}
