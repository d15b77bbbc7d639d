import { Type } from '@sinclair/typebox';
import { KeywardError } from '../../errors/keyward-error.js';
import { CREDIT_LIMITS } from '../../keys/credits.js';
import type { Keyward } from '../../keyward.js';
import { assertAppAccess, type Operator } from '../auth.js';
import type { KeyRecord } from '../../keys/model.js';
import { AppId, AppKeyKind, ERROR_RESPONSES, Environment, IssuedKeyView, KeyId, KeyView, Limit, Meta, Scope, parseLimit } from '../schemas.js';
import type { Server } from '../types.js';
import { keyView } from '../views.js';
import { idPattern } from '../../lib/ids.js';
import { actorOf } from './actor.js';
import { holds, powerOf, reachesApp } from '../../rootkeys/permissions.js';

export const KeySettings = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  scopes: Type.Array(Scope, { maxItems: 64 }),
  meta: Meta,
  subject: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  ipAllowList: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 }),
  ratelimit: Type.Union([Type.Object({ rate: Type.Integer({ minimum: 1 }), windowSeconds: Type.Integer({ minimum: 1, maximum: 2_678_400 }), burst: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), Type.Null()], { description: 'A GCRA rate limit carried by the key itself' }),
  credits: Type.Union(
    [
      Type.Object(
        {
          amount: Type.Integer({ minimum: 1, maximum: CREDIT_LIMITS.maxAmount, description: 'Credits per period (or in total, without a refill)' }),
          refill: Type.Union([Type.Literal('daily'), Type.Literal('monthly'), Type.Object({ intervalSeconds: Type.Integer({ minimum: CREDIT_LIMITS.minIntervalSeconds, maximum: 31_622_400 }) }, { additionalProperties: false }), Type.Null()], {
            description: 'When the balance goes back to `amount` (UTC day, UTC month or a fixed interval); null: a one-off allowance',
          }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ],
    { description: 'Credits spent by each verification (`cost`, default 1); none left answers USAGE_EXCEEDED. Setting credits restarts the balance; null removes metering.' },
  ),
  clientCertSha256: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Bind a secret or restricted key to this client certificate (SHA-256 of its DER, hex)' }), Type.Null()]),
  identityId: Type.Union([Type.String({ pattern: idPattern('idt') }), Type.Null()], { description: 'Attach the key to an identity of its app (shared metadata, rate limit, credits); null detaches it' }),
};

/** The settings a key may be created with or changed to, each optional: one list, so create and update cannot drift apart. */
const OptionalKeySettings = {
  scopes: Type.Optional(KeySettings.scopes),
  meta: Type.Optional(KeySettings.meta),
  subject: Type.Optional(KeySettings.subject),
  expiresAt: Type.Optional(KeySettings.expiresAt),
  ipAllowList: Type.Optional(KeySettings.ipAllowList),
  clientCertSha256: Type.Optional(KeySettings.clientCertSha256),
  ratelimit: Type.Optional(KeySettings.ratelimit),
  credits: Type.Optional(KeySettings.credits),
  identityId: Type.Optional(KeySettings.identityId),
};

function parseTime(value: string | null | undefined): number | null | undefined {
  if (value === undefined || value === null) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new KeywardError('VALIDATION_FAILED', 'expiresAt must be an RFC 3339 date-time', { errors: [{ pointer: '/body/expiresAt', message: 'not a date-time' }] });
  return ms;
}

/**
 * The app key a `/v1/keys/{keyId}` route acts on, if the caller may reach its app. Root keys are
 * not app keys: they live under `/v1/root-keys`, where their permissions are checked (a root key
 * holding `keys:write` must not be able to rotate a stronger root key and read its secret).
 */
export async function appKeyFor(kw: Pick<Keyward, 'keys'>, caller: Operator, keyId: string): Promise<KeyRecord> {
  const key = await kw.keys.get(keyId);
  if (key.kind === 'root') throw new KeywardError('NOT_FOUND', 'key not found (root keys are under /v1/root-keys)');
  assertAppAccess(caller, key.appId);
  return key;
}

export function keyRoutes(server: Server, kw: Pick<Keyward, 'apps' | 'keys' | 'usage'>): void {
  server.post(
    '/v1/apps/:appId/keys',
    {
      config: { auth: 'root', permission: 'keys:write', apps: 'param' },
      schema: {
        tags: ['keys'],
        summary: 'Create a key. The secret is in the response once and never again.',
        params: Type.Object({ appId: AppId }),
        body: Type.Object(
          {
            kind: AppKeyKind,
            environment: Environment,
            name: KeySettings.name,
            ...OptionalKeySettings,
          },
          { additionalProperties: false },
        ),
        response: { 201: IssuedKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const expiresAtMs = parseTime(b.expiresAt);
      const issued = await kw.keys.create(
        {
          appId: request.params.appId,
          environment: b.environment,
          kind: b.kind as never,
          name: b.name,
          ...(b.scopes ? { scopes: b.scopes } : {}),
          ...(b.meta ? { meta: b.meta } : {}),
          ...(b.subject !== undefined ? { subject: b.subject } : {}),
          ...(expiresAtMs !== undefined ? { expiresAtMs } : {}),
          ...(b.ipAllowList ? { ipAllowList: b.ipAllowList } : {}),
          ...(b.clientCertSha256 !== undefined ? { clientCertSha256: b.clientCertSha256 } : {}),
          ...(b.ratelimit !== undefined ? { ratelimit: b.ratelimit } : {}),
          ...(b.credits !== undefined ? { credits: b.credits } : {}),
          ...(b.identityId ? { identityId: b.identityId } : {}),
        },
        actorOf(request),
      );
      return reply.code(201).header('cache-control', 'no-store').send({ key: keyView(issued.key), secret: issued.secret });
    },
  );

  server.get(
    '/v1/apps/:appId/keys',
    {
      config: { auth: 'root', permission: 'keys:read', apps: 'param' },
      schema: {
        tags: ['keys'],
        summary: 'List keys of an app (never their secrets)',
        params: Type.Object({ appId: AppId }),
        querystring: Type.Object(
          {
            environment: Type.Optional(Environment),
            kind: Type.Optional(AppKeyKind),
            subject: Type.Optional(Type.String({ maxLength: 256 })),
            includeRevoked: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
            limit: Type.Optional(Limit),
            after: Type.Optional(KeyId),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(KeyView), next: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      await kw.apps.get(request.params.appId);
      const page = await kw.keys.list(
        {
          appId: request.params.appId,
          ...(q.environment ? { environment: q.environment } : {}),
          ...(q.kind ? { kind: q.kind as never } : {}),
          ...(q.subject ? { subject: q.subject } : {}),
          includeRevoked: q.includeRevoked === 'true',
        },
        { limit: parseLimit(q.limit), ...(q.after ? { after: q.after } : {}) },
      );
      return { items: page.items.map((k) => keyView(k, kw.usage.pendingCount(k.id))), ...(page.next ? { next: page.next } : {}) };
    },
  );

  server.post(
    '/v1/keys/lookup',
    {
      config: { auth: 'root', permission: 'keys:read', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: 'Which keys these plaintexts are, for `keyward scan --verify`: active, revoked or unknown (never echoes a secret)',
        body: Type.Object({ secrets: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ status: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('unknown')]), keyId: Type.Optional(KeyId), root: Type.Optional(Type.Boolean()) })),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const power = powerOf(request.caller!.key);
      const found = await kw.keys.lookupSecrets(request.body.secrets);
      // A key the caller could not act on is "unknown": the answer reveals nothing outside its reach.
      const items = found.map((f) => {
        if (!f) return { status: 'unknown' as const };
        const visible = f.key.kind === 'root' ? holds(power, 'rootkeys:read') && reachesApp(power, null) : reachesApp(power, f.key.appId);
        return visible ? { status: f.status, keyId: f.key.id, ...(f.key.kind === 'root' ? { root: true } : {}) } : { status: 'unknown' as const };
      });
      return { items };
    },
  );

  server.get(
    '/v1/keys/:keyId',
    { config: { auth: 'root', permission: 'keys:read', apps: 'handler' }, schema: { tags: ['keys'], summary: 'Get a key (never its secret)', params: Type.Object({ keyId: KeyId }), response: { 200: KeyView, ...ERROR_RESPONSES } } },
    async (request) => {
      const key = await appKeyFor(kw, request.caller!, request.params.keyId);
      return keyView(key, kw.usage.pendingCount(key.id));
    },
  );

  server.patch(
    '/v1/keys/:keyId',
    {
      config: { auth: 'root', permission: 'keys:write', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: 'Update metadata, scopes, expiry, allow-list; enable or disable',
        params: Type.Object({ keyId: KeyId }),
        body: Type.Object(
          {
            name: Type.Optional(KeySettings.name),
            ...OptionalKeySettings,
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: KeyView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { expiresAt, ...rest } = request.body;
      const expiresAtMs = parseTime(expiresAt);
      await appKeyFor(kw, request.caller!, request.params.keyId);
      const key = await kw.keys.update(request.params.keyId, { ...rest, ...(expiresAtMs !== undefined ? { expiresAtMs } : {}) }, actorOf(request));
      return keyView(key);
    },
  );

  server.post(
    '/v1/keys/:keyId/rotate',
    {
      config: { auth: 'root', permission: 'keys:write', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: 'Rotate: new secret, same key id; the old secret works until the grace period ends',
        params: Type.Object({ keyId: KeyId }),
        body: Type.Optional(Type.Object({ gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7_776_000 })) }, { additionalProperties: false })),
        response: { 200: IssuedKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const key = await appKeyFor(kw, request.caller!, request.params.keyId);
      const grace = request.body?.gracePeriodSeconds ?? (key.appId ? (await kw.apps.get(key.appId)).settings.defaultRotationGraceSeconds : 0);
      const issued = await kw.keys.rotate(key.id, grace, actorOf(request));
      return reply.header('cache-control', 'no-store').send({ key: keyView(issued.key), secret: issued.secret });
    },
  );

  server.post(
    '/v1/keys/:keyId/revoke',
    {
      config: { auth: 'root', permission: 'keys:write', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke at once, with a reason. Idempotent.',
        params: Type.Object({ keyId: KeyId }),
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
        response: { 200: KeyView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await appKeyFor(kw, request.caller!, request.params.keyId);
      return keyView(await kw.keys.revoke(request.params.keyId, request.body.reason, actorOf(request)));
    },
  );

  server.post(
    '/v1/keys/:keyId/reissue',
    {
      config: { auth: 'root', permission: 'keys:write', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: 'Reissue: a new key with the same settings; the old one is revoked at once',
        params: Type.Object({ keyId: KeyId }),
        response: { 201: IssuedKeyView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const old = await appKeyFor(kw, request.caller!, request.params.keyId);
      const issued = await kw.keys.reissue(old.id, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send({ key: keyView(issued.key), secret: issued.secret });
    },
  );
}
