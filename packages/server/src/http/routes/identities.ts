import { Type } from '@sinclair/typebox';
import type { Identity } from '../../identities/model.js';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { assertAppAccess } from '../auth.js';
import { AppId, ERROR_RESPONSES, Limit, Meta, iso, parseLimit } from '../schemas.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';
import { KeySettings } from './keys.js';

export const IdentityId = Type.String({ pattern: idPattern('idt'), description: 'Identity id, `idt_…`' });
const ExternalId = Type.String({ minLength: 1, maxLength: 256, description: 'Your id for the customer or user, unique within the app' });

export const IdentityView = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  externalId: Type.String(),
  meta: Meta,
  ratelimit: Type.Union([Type.Object({ rate: Type.Integer(), windowSeconds: Type.Integer(), burst: Type.Integer() }), Type.Null()], { description: 'One limit shared by every key of the identity' }),
  credits: Type.Union([
    Type.Object({
      amount: Type.Integer(),
      refill: Type.Union([Type.String(), Type.Object({ intervalSeconds: Type.Integer() }), Type.Null()]),
      remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'Shared balance when read (before any refill due)' }),
    }),
    Type.Null(),
  ]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});

export function identityView(i: Identity) {
  return {
    id: i.id,
    appId: i.appId,
    externalId: i.externalId,
    meta: { ...i.meta },
    ratelimit: i.ratelimit ? { ...i.ratelimit } : null,
    credits: i.credits ? { amount: i.credits.amount, refill: i.credits.refill, remaining: i.creditsRemaining } : null,
    createdAt: iso(i.createdAtMs),
    updatedAt: iso(i.updatedAtMs),
    version: i.version,
  };
}

const params = Type.Object({ identityId: IdentityId });

/** Identities (Unkey's term): the keys of one customer share metadata, a rate limit and credits. */
export function identityRoutes(server: Server, kw: Pick<Keyward, 'identities'>): void {
  server.post(
    '/v1/apps/:appId/identities',
    {
      config: { auth: 'root', permission: 'identities:write', apps: 'param' },
      schema: {
        tags: ['identities'],
        summary: 'Create an identity: a customer or end user whose keys share metadata, a rate limit and credits',
        params: Type.Object({ appId: AppId }),
        body: Type.Object(
          { externalId: ExternalId, meta: Type.Optional(KeySettings.meta), ratelimit: Type.Optional(KeySettings.ratelimit), credits: Type.Optional(KeySettings.credits) },
          { additionalProperties: false },
        ),
        response: { 201: IdentityView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => reply.code(201).send(identityView(await kw.identities.create(request.params.appId, request.body, actorOf(request)))),
  );

  server.get(
    '/v1/apps/:appId/identities',
    {
      config: { auth: 'root', permission: 'identities:read', apps: 'param' },
      schema: {
        tags: ['identities'],
        summary: "List an app's identities, or find one by externalId",
        params: Type.Object({ appId: AppId }),
        querystring: Type.Object({ externalId: Type.Optional(ExternalId), limit: Type.Optional(Limit), after: Type.Optional(IdentityId) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(IdentityView), next: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await kw.identities.list(request.params.appId, { limit: parseLimit(q.limit), ...(q.after ? { after: q.after } : {}) }, q.externalId);
      return { items: page.items.map(identityView), ...(page.next ? { next: page.next } : {}) };
    },
  );

  server.get(
    '/v1/identities/:identityId',
    { config: { auth: 'root', permission: 'identities:read', apps: 'handler' }, schema: { tags: ['identities'], summary: 'Get an identity', params, response: { 200: IdentityView, ...ERROR_RESPONSES } } },
    async (request) => {
      const identity = await kw.identities.get(request.params.identityId);
      assertAppAccess(request.caller!, identity.appId);
      return identityView(identity);
    },
  );

  server.patch(
    '/v1/identities/:identityId',
    {
      config: { auth: 'root', permission: 'identities:write', apps: 'handler' },
      schema: {
        tags: ['identities'],
        summary: 'Change an identity (its keys see the change at once). Setting credits restarts the shared balance.',
        params,
        body: Type.Object(
          { externalId: Type.Optional(ExternalId), meta: Type.Optional(KeySettings.meta), ratelimit: Type.Optional(KeySettings.ratelimit), credits: Type.Optional(KeySettings.credits) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: IdentityView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      assertAppAccess(request.caller!, (await kw.identities.get(request.params.identityId)).appId);
      return identityView(await kw.identities.update(request.params.identityId, request.body, actorOf(request)));
    },
  );

  server.delete(
    '/v1/identities/:identityId',
    {
      config: { auth: 'root', permission: 'identities:write', apps: 'handler' },
      schema: {
        tags: ['identities'],
        summary: 'Delete an identity. Refused (CONFLICT) while live keys belong to it, unless detachKeys=true: its keys then keep working with their own limits only.',
        params,
        querystring: Type.Object({ detachKeys: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.String(), deleted: Type.Literal(true), detachedKeys: Type.Array(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      assertAppAccess(request.caller!, (await kw.identities.get(request.params.identityId)).appId);
      const { detachedKeys } = await kw.identities.delete(request.params.identityId, { detachKeys: request.query.detachKeys === 'true' }, actorOf(request));
      return { id: request.params.identityId, deleted: true as const, detachedKeys: [...detachedKeys] };
    },
  );
}
