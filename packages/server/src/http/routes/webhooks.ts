import { Type } from '@sinclair/typebox';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../webhooks/model.js';
import { assertAppAccess } from '../auth.js';
import { AppId, ERROR_RESPONSES, Limit } from '../schemas.js';
import type { Server } from '../types.js';
import { webhookAttemptView, webhookDeliveryView, webhookEndpointView } from '../views.js';
import { actorOf } from './actor.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { EndpointInput } from '../../webhooks/service.js';

const EventType = Type.Unsafe<WebhookEventType>({ type: 'string', enum: [...WEBHOOK_EVENT_TYPES] });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const EndpointViewSchema = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(EventType, { description: 'Event types delivered; empty: every type' }),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});
const WithSecret = Type.Object({ endpoint: EndpointViewSchema, secret: Type.String({ description: 'whsec_… (Standard Webhooks); shown once, stored sealed' }) });
const DeliveryViewSchema = Type.Object({
  id: Type.String({ description: 'The webhook-id header, the same on every attempt' }),
  endpointId: Type.String(),
  appId: Type.String(),
  eventType: EventType,
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const AttemptViewSchema = Type.Object({ attempt: Type.Integer(), at: Type.String({ format: 'date-time' }), statusCode: Type.Union([Type.Integer(), Type.Null()]), error: Nullable(Type.String()), durationMs: Type.Integer() });
const EndpointFields = {
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'https URL of the receiver (no loopback/private addresses unless KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES)' }),
  description: Type.String({ maxLength: 256 }),
  events: Type.Array(EventType, { maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true }),
  enabled: Type.Boolean(),
};
const params = Type.Object({ endpointId: Type.String({ pattern: idPattern('wh') }) });
const deliveryParams = Type.Object({ deliveryId: Type.String({ pattern: idPattern('whd') }) });

/** Webhook endpoints per app, their secrets, test events and the delivery log. */
export function webhookRoutes(server: Server, kw: Pick<Keyward, 'apps' | 'webhooks'>): void {
  const endpointApp = async (request: { caller?: unknown; params: { endpointId: string } }): Promise<void> => {
    const appId = await kw.webhooks.appOfEndpoint(request.params.endpointId);
    if (appId === undefined) throw new KeywardError('NOT_FOUND', 'webhook endpoint not found');
    assertAppAccess(request.caller as never, appId);
  };

  server.post(
    '/v1/apps/:appId/webhooks',
    {
      config: { auth: 'root', permission: 'webhooks:write', apps: 'param' },
      schema: {
        tags: ['webhooks'],
        summary: 'Create a webhook endpoint (its secret is returned once)',
        params: Type.Object({ appId: AppId }),
        body: Type.Object({ url: EndpointFields.url, description: Type.Optional(EndpointFields.description), events: Type.Optional(EndpointFields.events), enabled: Type.Optional(EndpointFields.enabled) }, { additionalProperties: false }),
        response: { 201: WithSecret, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await kw.apps.get(request.params.appId);
      const { endpoint, secret } = await kw.webhooks.create(request.params.appId, request.body as EndpointInput, actorOf(request));
      return reply.code(201).send({ endpoint: webhookEndpointView(endpoint), secret });
    },
  );

  server.get(
    '/v1/apps/:appId/webhooks',
    {
      config: { auth: 'root', permission: 'webhooks:read', apps: 'param' },
      schema: { tags: ['webhooks'], summary: "List an app's webhook endpoints", params: Type.Object({ appId: AppId }), response: { 200: Type.Object({ items: Type.Array(EndpointViewSchema) }), ...ERROR_RESPONSES } },
    },
    async (request) => {
      await kw.apps.get(request.params.appId);
      return { items: (await kw.webhooks.list(request.params.appId)).map(webhookEndpointView) };
    },
  );

  server.get(
    '/v1/webhooks/:endpointId',
    { config: { auth: 'root', permission: 'webhooks:read', apps: 'handler' }, schema: { tags: ['webhooks'], summary: 'Get a webhook endpoint', params, response: { 200: EndpointViewSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      await endpointApp(request);
      return webhookEndpointView(await kw.webhooks.get(request.params.endpointId));
    },
  );

  server.patch(
    '/v1/webhooks/:endpointId',
    {
      config: { auth: 'root', permission: 'webhooks:write', apps: 'handler' },
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook endpoint (URL, description, event filter, enabled)',
        params,
        body: Type.Object({ url: Type.Optional(EndpointFields.url), description: Type.Optional(EndpointFields.description), events: Type.Optional(EndpointFields.events), enabled: Type.Optional(EndpointFields.enabled) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: EndpointViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await endpointApp(request);
      return webhookEndpointView(await kw.webhooks.update(request.params.endpointId, request.body as EndpointInput, actorOf(request)));
    },
  );

  server.delete(
    '/v1/webhooks/:endpointId',
    { config: { auth: 'root', permission: 'webhooks:write', apps: 'handler' }, schema: { tags: ['webhooks'], summary: 'Delete a webhook endpoint and its delivery log', params, response: { 204: Type.Null(), ...ERROR_RESPONSES } } },
    async (request, reply) => {
      await endpointApp(request);
      await kw.webhooks.delete(request.params.endpointId, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  server.post(
    '/v1/webhooks/:endpointId/rotate-secret',
    { config: { auth: 'root', permission: 'webhooks:write', apps: 'handler' }, schema: { tags: ['webhooks'], summary: 'Replace the signing secret (the new one is returned once and signs every later attempt)', params, response: { 200: WithSecret, ...ERROR_RESPONSES } } },
    async (request) => {
      await endpointApp(request);
      const { endpoint, secret } = await kw.webhooks.rotateSecret(request.params.endpointId, actorOf(request));
      return { endpoint: webhookEndpointView(endpoint), secret };
    },
  );

  server.post(
    '/v1/webhooks/:endpointId/test',
    { config: { auth: 'root', permission: 'webhooks:write', apps: 'handler' }, schema: { tags: ['webhooks'], summary: 'Queue a webhook.test event for this endpoint', params, response: { 202: DeliveryViewSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      await endpointApp(request);
      return reply.code(202).send(webhookDeliveryView(await kw.webhooks.sendTest(request.params.endpointId)));
    },
  );

  server.get(
    '/v1/webhooks/:endpointId/deliveries',
    {
      config: { auth: 'root', permission: 'webhooks:read', apps: 'handler' },
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's delivery log, newest first: status, attempts, last response, next retry",
        params,
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])), limit: Type.Optional(Limit) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(DeliveryViewSchema) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await endpointApp(request);
      const limit = Math.min(Math.max(Number(request.query.limit ?? 100), 1), 1000);
      const items = await kw.webhooks.deliveries(request.params.endpointId, { limit, ...(request.query.status ? { status: request.query.status } : {}) });
      return { items: items.map(webhookDeliveryView) };
    },
  );

  server.get(
    '/v1/webhook-deliveries/:deliveryId',
    {
      config: { auth: 'root', permission: 'webhooks:read', apps: 'handler' },
      schema: { tags: ['webhooks'], summary: 'One delivery with every attempt', params: deliveryParams, response: { 200: Type.Object({ delivery: DeliveryViewSchema, attempts: Type.Array(AttemptViewSchema) }), ...ERROR_RESPONSES } },
    },
    async (request) => {
      const { delivery, attempts } = await kw.webhooks.delivery(request.params.deliveryId);
      assertAppAccess(request.caller!, delivery.appId);
      return { delivery: webhookDeliveryView(delivery), attempts: attempts.map(webhookAttemptView) };
    },
  );

  server.post(
    '/v1/webhook-deliveries/:deliveryId/redeliver',
    { config: { auth: 'root', permission: 'webhooks:write', apps: 'handler' }, schema: { tags: ['webhooks'], summary: 'Send a delivery again now (one more attempt, same webhook-id)', params: deliveryParams, response: { 202: DeliveryViewSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const appId = await kw.webhooks.appOfDelivery(request.params.deliveryId);
      if (appId === undefined) throw new KeywardError('NOT_FOUND', 'delivery not found');
      assertAppAccess(request.caller!, appId);
      return reply.code(202).send(webhookDeliveryView(await kw.webhooks.redeliver(request.params.deliveryId)));
    },
  );
}
