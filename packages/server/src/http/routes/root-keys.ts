import { Type } from '@sinclair/typebox';
import { KeywardError } from '../../errors/keyward-error.js';
import type { KeyRecord } from '../../keys/model.js';
import type { Keyward } from '../../keyward.js';
import { covers, PERMISSIONS, powerOf } from '../../rootkeys/permissions.js';
import { AppId, ERROR_RESPONSES, KeyId, Limit, Meta, Nullable, iso, isoOrNull, parseLimit } from '../schemas.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';

const Grant = Type.Union([Type.Literal('*'), ...PERMISSIONS.map((p) => Type.Literal(p))], { description: 'A permission from the closed list, or `*` for all of them' });
const Grants = Type.Array(Grant, { minItems: 1, maxItems: PERMISSIONS.length + 1 });
const AppIds = Type.Union([Type.Array(AppId, { minItems: 1, maxItems: 64 }), Type.Null()], { description: 'Restrict the key to these apps; null: every app' });

export const RootKeyView = Type.Object({
  id: Type.String(),
  kind: Type.Literal('root'),
  name: Type.String(),
  start: Type.String({ description: 'Non-secret display prefix' }),
  permissions: Type.Array(Type.String()),
  appIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  meta: Meta,
  enabled: Type.Boolean(),
  expiresAt: Nullable({ format: 'date-time' }),
  revokedAt: Nullable({ format: 'date-time' }),
  revokedReason: Nullable(),
  exposedAt: Nullable({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable({ format: 'date-time' }),
  usageCount: Type.Integer(),
  version: Type.Integer(),
});

const IssuedRootKeyView = Type.Object({ key: RootKeyView, secret: Type.String({ description: 'The root key itself. Shown this once; store it now.' }) });

export function rootKeyView(k: KeyRecord) {
  return {
    id: k.id,
    kind: 'root' as const,
    name: k.name,
    start: k.start,
    permissions: [...(k.permissions ?? [])],
    appIds: k.appIds ? [...k.appIds] : null,
    meta: { ...k.meta },
    enabled: k.enabled,
    expiresAt: isoOrNull(k.expiresAtMs),
    revokedAt: isoOrNull(k.revokedAtMs),
    revokedReason: k.revokedReason,
    exposedAt: isoOrNull(k.exposedAtMs),
    createdAt: iso(k.createdAtMs),
    updatedAt: iso(k.updatedAtMs),
    lastUsedAt: isoOrNull(k.lastUsedAtMs),
    usageCount: k.usageCount,
    version: k.version,
  };
}

const params = Type.Object({ keyId: KeyId });

/**
 * Root (operator) keys: created with explicit permissions and optional apps, listed, changed,
 * rotated and revoked. The acting key's own power bounds every operation (rootkeys/service.ts).
 */
export function rootKeyRoutes(server: Server, kw: Pick<Keyward, 'rootKeys' | 'usage' | 'now'>): void {
  server.post(
    '/v1/root-keys',
    {
      config: { auth: 'root', permission: 'rootkeys:write', apps: 'handler' },
      schema: {
        tags: ['root keys'],
        summary: 'Create a root key with some permissions (and optionally some apps). The secret is in the response once.',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128 }),
            permissions: Grants,
            appIds: Type.Optional(AppIds),
            expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
            meta: Type.Optional(Meta),
          },
          { additionalProperties: false },
        ),
        response: { 201: IssuedRootKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const expiresAtMs = b.expiresAt ? Date.parse(b.expiresAt) : null;
      if (expiresAtMs !== null && (Number.isNaN(expiresAtMs) || expiresAtMs <= kw.now())) {
        throw new KeywardError('VALIDATION_FAILED', 'expiresAt must be a future RFC 3339 date-time', { errors: [{ pointer: '/body/expiresAt', message: 'must be in the future' }] });
      }
      const issued = await kw.rootKeys.create(
        { name: b.name, permissions: b.permissions, appIds: b.appIds ?? null, expiresAtMs, ...(b.meta ? { meta: b.meta } : {}) },
        actorOf(request),
        powerOf(request.caller!.key),
      );
      return reply.code(201).header('cache-control', 'no-store').send({ key: rootKeyView(issued.key), secret: issued.secret });
    },
  );

  server.get(
    '/v1/root-keys',
    {
      config: { auth: 'root', permission: 'rootkeys:read', apps: 'handler' },
      schema: {
        tags: ['root keys'],
        summary: 'List root keys (never their secrets). A key restricted to some apps sees only the root keys it covers.',
        querystring: Type.Object({ includeRevoked: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])), limit: Type.Optional(Limit), after: Type.Optional(KeyId) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(RootKeyView), next: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await kw.rootKeys.list({ limit: parseLimit(q.limit), ...(q.after ? { after: q.after } : {}) }, q.includeRevoked === 'true');
      const mine = powerOf(request.caller!.key);
      const items = page.items.filter((k) => covers(mine, powerOf(k))).map((k) => rootKeyView({ ...k, usageCount: k.usageCount + kw.usage.pendingCount(k.id) }));
      return { items, ...(page.next ? { next: page.next } : {}) };
    },
  );

  server.get(
    '/v1/root-keys/:keyId',
    {
      config: { auth: 'root', permission: 'rootkeys:read', apps: 'handler' },
      schema: { tags: ['root keys'], summary: 'Get a root key (never its secret)', params, response: { 200: RootKeyView, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const key = await kw.rootKeys.get(request.params.keyId);
      if (!covers(powerOf(request.caller!.key), powerOf(key))) throw new KeywardError('INSUFFICIENT_PERMISSION', 'this root key holds permissions or apps the acting key does not');
      return rootKeyView(key);
    },
  );

  server.patch(
    '/v1/root-keys/:keyId',
    {
      config: { auth: 'root', permission: 'rootkeys:write', apps: 'handler' },
      schema: {
        tags: ['root keys'],
        summary: 'Rename, change permissions or apps, enable or disable a root key. Refused (LAST_ROOT_KEY) if no full-power root key would remain.',
        params,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), permissions: Type.Optional(Grants), appIds: Type.Optional(AppIds), enabled: Type.Optional(Type.Boolean()), meta: Type.Optional(Meta) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: RootKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request) => rootKeyView(await kw.rootKeys.update(request.params.keyId, request.body, actorOf(request), powerOf(request.caller!.key))),
  );

  server.post(
    '/v1/root-keys/:keyId/rotate',
    {
      config: { auth: 'root', permission: 'rootkeys:write', apps: 'handler' },
      schema: {
        tags: ['root keys'],
        summary: 'Rotate: new secret, same id and power; the old secret works until the grace period ends',
        params,
        body: Type.Optional(Type.Object({ gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7_776_000 })) }, { additionalProperties: false })),
        response: { 200: IssuedRootKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const issued = await kw.rootKeys.rotate(request.params.keyId, request.body?.gracePeriodSeconds ?? 0, actorOf(request), powerOf(request.caller!.key));
      return reply.header('cache-control', 'no-store').send({ key: rootKeyView(issued.key), secret: issued.secret });
    },
  );

  server.post(
    '/v1/root-keys/:keyId/revoke',
    {
      config: { auth: 'root', permission: 'rootkeys:write', apps: 'handler' },
      schema: {
        tags: ['root keys'],
        summary: 'Revoke a root key at once. Refused (LAST_ROOT_KEY) for the last full-power root key. Idempotent.',
        params,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
        response: { 200: RootKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      if (request.caller!.key.id === request.params.keyId) throw new KeywardError('CONFLICT', 'a root key cannot revoke itself; use another root key');
      return rootKeyView(await kw.rootKeys.revoke(request.params.keyId, request.body.reason, actorOf(request), powerOf(request.caller!.key)));
    },
  );
}
