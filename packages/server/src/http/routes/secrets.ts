import { Type } from '@sinclair/typebox';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { AppId, ERROR_RESPONSES, Environment } from '../schemas.js';
import { secretView } from '../views.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';

const SecretViewSchema = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  environment: Environment,
  name: Type.String(),
  description: Type.String(),
  hint: Type.String({ description: 'Last four characters, to recognise the value; the value itself is never returned' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});

export function secretRoutes(server: Server, kw: Pick<Keyward, 'apps' | 'secrets'>): void {
  server.put(
    '/v1/apps/:appId/secrets/:environment/:name',
    {
      config: { auth: 'root', permission: 'secrets:write', apps: 'param' },
      schema: {
        tags: ['secrets'],
        summary: 'Create or replace a server-held secret (sealed at rest; never returned)',
        params: Type.Object({ appId: AppId, environment: Environment, name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }) }),
        body: Type.Object({ value: Type.String({ minLength: 1, maxLength: 8192 }), description: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false }),
        response: { 200: SecretViewSchema, 201: SecretViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await kw.apps.get(request.params.appId);
      const { secret, created } = await kw.secrets.set(
        { appId: request.params.appId, environment: request.params.environment, name: request.params.name, value: request.body.value, ...(request.body.description !== undefined ? { description: request.body.description } : {}) },
        actorOf(request),
      );
      return reply.code(created ? 201 : 200).send(secretView(secret));
    },
  );

  server.get(
    '/v1/apps/:appId/secrets',
    {
      config: { auth: 'root', permission: 'secrets:read', apps: 'param' },
      schema: {
        tags: ['secrets'],
        summary: 'List server-held secrets (names and hints only)',
        params: Type.Object({ appId: AppId }),
        querystring: Type.Object({ environment: Type.Optional(Environment) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(SecretViewSchema) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await kw.apps.get(request.params.appId);
      return { items: (await kw.secrets.list(request.params.appId, request.query.environment)).map(secretView) };
    },
  );

  server.delete(
    '/v1/secrets/:secretId',
    {
      config: { auth: 'root', permission: 'secrets:write' },
      schema: { tags: ['secrets'], summary: 'Delete a server-held secret', params: Type.Object({ secretId: Type.String({ pattern: idPattern('sec') }) }), response: { 204: Type.Null(), ...ERROR_RESPONSES } },
    },
    async (request, reply) => {
      await kw.secrets.delete(request.params.secretId, actorOf(request));
      return reply.code(204).send(null);
    },
  );
}
