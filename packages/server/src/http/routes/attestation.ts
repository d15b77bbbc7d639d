import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../attestation/model.js';
import type { AttestationPayload } from '../../attestation/provider.js';
import { maskPolicy, SEALED_MASK } from '../../attestation/sealed-policy.js';
import { presented } from '../../credentials/extract.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { retryAfterSeconds } from '../../ratelimit/headers.js';
import { AppId, ERROR_RESPONSES, Environment, iso, isoOrNull, Limit, parseLimit } from '../schemas.js';
import type { Server } from '../types.js';
import { attestationEventView } from '../views.js';
import { actorOf } from './actor.js';
import { appScope, publishableScope } from './app-scope.js';

const B64 = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Payload = Type.Union([
  Type.Object({ platform: Type.Literal('apple'), keyId: B64(128), attestation: B64(64 * 1024) }, { additionalProperties: false }),
  Type.Object({ platform: Type.Literal('android'), certificateChain: Type.Array(B64(16 * 1024), { minItems: 1, maxItems: 10 }) }, { additionalProperties: false }),
  Type.Object({ platform: Type.Literal('play_integrity'), token: B64(16 * 1024) }, { additionalProperties: false }),
  Type.Object({ platform: Type.Literal('external'), provider: B64(64), token: B64(16 * 1024) }, { additionalProperties: false }),
  Type.Object({ platform: Type.Literal('debug'), token: B64(64) }, { additionalProperties: false }),
]);

const InstanceView = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  environment: Type.String(),
  platform: Type.String(),
  keyId: Type.String(),
  counter: Type.Integer(),
  facts: Type.Record(Type.String(), Type.Unknown()),
  status: Type.String(),
  createdAt: Type.String(),
  lastSeenAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});
const instanceView = (i: AppInstance) => ({ id: i.id, appId: i.appId, environment: i.environment, platform: i.platform, keyId: i.keyId, counter: i.counter, facts: { ...i.facts }, status: i.status, createdAt: iso(i.createdAtMs), lastSeenAt: iso(i.lastSeenAtMs), revokedAt: isoOrNull(i.revokedAtMs) });

const DebugTokenView = Type.Object({ id: Type.String(), appId: Type.String(), name: Type.String(), createdAt: Type.String(), revokedAt: Type.Union([Type.String(), Type.Null()]) });
const debugView = (t: { id: string; appId: string; name: string; createdAtMs: number; revokedAtMs: number | null }) => ({ id: t.id, appId: t.appId, name: t.name, createdAt: iso(t.createdAtMs), revokedAt: isoOrNull(t.revokedAtMs) });

const ConfigBody = Type.Object(
  {
    appId: Type.Optional(AppId),
    environment: Type.Optional(Environment),
    policy: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: `apple, android, playIntegrity, external (attestation/provider.ts AttestationPolicy); replaces the whole policy; a key sent as "${SEALED_MASK}" keeps the stored one` })),
    appTokenTtlSeconds: Type.Optional(Type.Integer()),
    appTokenScopes: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
    monitorOnly: Type.Optional(Type.Boolean()),
    maxAttestationsPerKeyPerHour: Type.Optional(Type.Integer()),
    maxAttestationsPerAppPerHour: Type.Optional(Type.Integer()),
    reattestAfterSeconds: Type.Optional(Type.Integer()),
    runtimeSecrets: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
  },
  { additionalProperties: false },
);
const ConfigView = Type.Object({
  appId: Type.String(),
  environment: Type.String(),
  appTokenTtlSeconds: Type.Integer(),
  appTokenScopes: Type.Array(Type.String()),
  monitorOnly: Type.Boolean(),
  maxAttestationsPerKeyPerHour: Type.Integer(),
  maxAttestationsPerAppPerHour: Type.Integer(),
  reattestAfterSeconds: Type.Integer(),
  runtimeSecrets: Type.Array(Type.String()),
  policy: Type.Record(Type.String(), Type.Unknown(), { description: `the platform policy; key material (Play Integrity's keys) is sealed at rest and shown as "${SEALED_MASK}", which a PUT may send back to keep it` }),
  platforms: Type.Array(Type.String({ description: 'platforms with a policy set' })),
  version: Type.Integer(),
});
const EventView = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  environment: Type.String(),
  stage: Type.Union([Type.Literal('attest'), Type.Literal('request')], { description: 'attest: POST /v1/attest refused; request: a route whose attestation or assertion requirement was not met' }),
  outcome: Type.Union([Type.Literal('refused'), Type.Literal('monitored')], { description: 'monitored: monitor-only mode let the call through (enforcement would have refused it)' }),
  code: Type.String(),
  subject: Type.String({ description: "the platform (attest), the access map's resource path, or app-token (an app token whose instance no longer stands)" }),
  reason: Type.String({ description: "the precise reason of the window's first occurrence" }),
  count: Type.Integer({ description: 'occurrences in the window (one minute, one node)' }),
  firstAt: Type.String({ format: 'date-time' }),
  lastAt: Type.String({ format: 'date-time' }),
});
const EventQuery = Type.Object(
  {
    environment: Type.Optional(Environment),
    outcome: Type.Optional(Type.Union([Type.Literal('refused'), Type.Literal('monitored')])),
    stage: Type.Optional(Type.Union([Type.Literal('attest'), Type.Literal('request')])),
    limit: Type.Optional(Limit),
    after: Type.Optional(Type.String({ maxLength: 64, description: 'The `next` of the previous page' })),
  },
  { additionalProperties: false },
);
const ScopeQuery = Type.Object({ appId: Type.Optional(AppId), environment: Type.Optional(Environment) }, { additionalProperties: false });

/**
 * App attestation over HTTP: the app-facing flow (challenge, attest, runtime secrets) and the
 * operator side (settings, instances, debug tokens). Decisions live in attestation/; this file
 * only translates.
 */
export function attestationRoutes(server: Server, kw: Pick<Keyward, 'attestation' | 'verifier' | 'credentials'>): void {
  const { flow, admin, settings, events } = kw.attestation;

  server.get(
    '/v1/apps/:appId/attestation/events',
    {
      config: { auth: 'root', permission: 'attestation:read', apps: 'param' },
      schema: { tags: ['attestation'], summary: "An app's failed and monitored attestations, aggregated per minute, newest first", params: Type.Object({ appId: AppId }), querystring: EventQuery, response: { 200: Type.Object({ items: Type.Array(EventView), next: Type.Optional(Type.String()) }), ...ERROR_RESPONSES } },
    },
    async (request) => {
      const q = request.query;
      const page = await events.list({ appId: request.params.appId, ...(q.environment ? { environment: q.environment } : {}), ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.stage ? { stage: q.stage } : {}) }, { limit: parseLimit(q.limit), ...(q.after ? { after: q.after } : {}) });
      return { items: page.items.map(attestationEventView), ...(page.next ? { next: page.next } : {}) };
    },
  );

  server.post(
    '/v1/attest/challenge',
    {
      config: { auth: 'public' }, // the app install calls it; its publishable key (X-Api-Key) names the app and environment
      schema: { tags: ['attestation'], summary: 'A single-use attestation challenge (base64url, 32 bytes) for this app and environment', response: { 201: Type.Object({ challenge: Type.String(), expiresAt: Type.String() }), ...ERROR_RESPONSES } },
    },
    async (request, reply) => {
      const scope = await publishableScope(kw, request);
      const c = await flow.challenge(scope.appId, scope.environment);
      return reply.code(201).header('cache-control', 'no-store').send({ challenge: c.challenge, expiresAt: iso(c.expiresAtMs) });
    },
  );

  server.post(
    '/v1/attest',
    {
      config: { auth: 'public' }, // authenticated by the publishable key and the platform attestation itself
      schema: {
        tags: ['attestation'],
        summary: 'Exchange a platform attestation over a challenge for an app token (registers the app instance)',
        body: Type.Object({ challenge: Type.String({ minLength: 1, maxLength: 64 }), payload: Payload }, { additionalProperties: false }),
        response: { 201: Type.Object({ appToken: Type.String(), expiresAt: Type.String(), instanceId: Type.String() }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = await publishableScope(kw, request);
      const r = await flow.attest({ appId: scope.appId, environment: scope.environment, challenge: request.body.challenge, payload: request.body.payload as AttestationPayload }, { actor: scope.keyId, requestId: String(request.id) });
      if (!r.ok) throw new KeywardError(r.code, `attestation refused (${r.reason})`, r.retryAfterMs !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds(r.retryAfterMs)) } } : {});
      return reply.code(201).header('cache-control', 'no-store').send({ appToken: r.appToken, expiresAt: iso(r.expiresAtMs), instanceId: r.instance.id });
    },
  );

  server.get(
    '/v1/attest/secrets',
    {
      config: { auth: 'public' }, // authenticated by the app token (Authorization: Bearer)
      schema: { tags: ['attestation'], summary: 'The runtime secrets this attested instance may hold (per app settings); never cached', response: { 200: Type.Object({ secrets: Type.Record(Type.String(), Type.String()) }), ...ERROR_RESPONSES } },
    },
    async (request, reply) => {
      const p = presented(request.headers);
      if (p.type !== 'bearer' || !kw.credentials.tokens) throw new KeywardError('ATTESTATION_REQUIRED', 'send the app token in Authorization: Bearer', { headers: { 'www-authenticate': 'Bearer' } });
      const r = await kw.credentials.tokens(p.value, {});
      if (!r.valid) throw new KeywardError(r.code, 'the app token is not valid');
      if (r.caller.kind !== 'app-token' || r.caller.instanceId === undefined) throw new KeywardError('ATTESTATION_REQUIRED', 'only an app token of an attested instance may fetch runtime secrets');
      const secrets = await admin.runtimeSecrets({ appId: r.caller.appId, environment: r.caller.environment, instanceId: r.caller.instanceId }, String(request.id));
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({ secrets });
    },
  );

  server.get(
    '/v1/attestation/config',
    { config: { auth: 'root-or-secret', permission: 'attestation:read' }, schema: { tags: ['attestation'], summary: "An app environment's attestation settings", querystring: ScopeQuery, response: { 200: ConfigView, ...ERROR_RESPONSES } } },
    async (request) => configView(await settings.get(...scopeOf(request, request.query))),
  );

  server.put(
    '/v1/attestation/config',
    { config: { auth: 'root', permission: 'attestation:write' }, schema: { tags: ['attestation'], summary: "Change an app environment's attestation settings (fields left out keep their value)", body: ConfigBody, response: { 200: ConfigView, ...ERROR_RESPONSES } } },
    async (request) => {
      const { appId: _a, environment: _e, ...patch } = request.body;
      return configView(await settings.put(...scopeOf(request, request.body), patch as never, actorOf(request)));
    },
  );

  server.get(
    '/v1/attestation/instances',
    { config: { auth: 'root-or-secret', permission: 'attestation:read' }, schema: { tags: ['attestation'], summary: 'Attested app instances, newest first', querystring: ScopeQuery, response: { 200: Type.Object({ items: Type.Array(InstanceView) }), ...ERROR_RESPONSES } } },
    async (request) => ({ items: (await admin.listInstances(...scopeOf(request, request.query))).map(instanceView) }),
  );

  server.post(
    '/v1/attestation/instances/:instanceId/revoke',
    {
      config: { auth: 'root-or-secret', permission: 'attestation:write' },
      schema: { tags: ['attestation'], summary: 'Revoke an app instance: its app tokens answer REATTESTATION_REQUIRED', params: Type.Object({ instanceId: Type.String({ pattern: idPattern('ins') }) }), response: { 200: InstanceView, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const i = await admin.getInstance(request.params.instanceId);
      const key = request.caller!.key;
      if (key.kind !== 'root' && (key.appId !== i.appId || key.environment !== i.environment)) throw new KeywardError('NOT_FOUND', 'instance not found');
      return instanceView(await admin.revokeInstance(i.id, actorOf(request)));
    },
  );

  server.post(
    '/v1/attestation/debug-tokens',
    {
      config: { auth: 'root', permission: 'attestation:write' },
      schema: {
        tags: ['attestation'],
        summary: 'Create a named debug token (test environment only; shown once; at most 10 per app)',
        body: Type.Object({ appId: AppId, name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ token: Type.String(), debugToken: DebugTokenView }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const r = await admin.createDebugToken(request.body.appId, request.body.name, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send({ token: r.token, debugToken: debugView(r.debugToken) });
    },
  );

  server.get(
    '/v1/attestation/debug-tokens',
    { config: { auth: 'root', permission: 'attestation:read' }, schema: { tags: ['attestation'], summary: "An app's debug tokens (never their values)", querystring: Type.Object({ appId: AppId }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(DebugTokenView) }), ...ERROR_RESPONSES } } },
    async (request) => ({ items: (await admin.listDebugTokens(request.query.appId)).map(debugView) }),
  );

  server.post(
    '/v1/attestation/debug-tokens/:debugTokenId/revoke',
    {
      config: { auth: 'root', permission: 'attestation:write' },
      schema: { tags: ['attestation'], summary: 'Revoke a debug token', params: Type.Object({ debugTokenId: Type.String({ pattern: idPattern('dbg') }) }), body: Type.Object({ appId: AppId }, { additionalProperties: false }), response: { 200: DebugTokenView, ...ERROR_RESPONSES } },
    },
    async (request) => debugView(await admin.revokeDebugToken(request.body.appId, request.params.debugTokenId, actorOf(request))),
  );
}

function scopeOf(request: Parameters<typeof appScope>[0], named: { appId?: string; environment?: 'live' | 'test' }): [string, 'live' | 'test'] {
  const s = appScope(request, named);
  return [s.appId, s.environment];
}

function configView(c: Awaited<ReturnType<Keyward['attestation']['settings']['get']>>) {
  return {
    appId: c.appId,
    environment: c.environment,
    appTokenTtlSeconds: c.appTokenTtlSeconds,
    appTokenScopes: [...c.appTokenScopes],
    monitorOnly: c.monitorOnly,
    maxAttestationsPerKeyPerHour: c.maxAttestationsPerKeyPerHour,
    maxAttestationsPerAppPerHour: c.maxAttestationsPerAppPerHour,
    reattestAfterSeconds: c.reattestAfterSeconds,
    runtimeSecrets: [...c.runtimeSecrets],
    policy: maskPolicy(c.policy) as Record<string, unknown>,
    platforms: Object.keys(c.policy).sort(),
    version: c.version,
  };
}
