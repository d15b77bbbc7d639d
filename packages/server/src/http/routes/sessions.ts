import { Type } from '@sinclair/typebox';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { AppId, ERROR_RESPONSES, Environment, Nullable } from '../schemas.js';
import { issuedSessionView, sessionView } from '../views.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';
import { appScope, publishableScope } from './app-scope.js';

const Device = Type.Object({ name: Type.Optional(Type.String({ maxLength: 128 })), platform: Type.Optional(Type.String({ maxLength: 32 })), appVersion: Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: false });
const Subject = Type.String({ minLength: 1, maxLength: 256 });
const SessionView = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  environment: Type.String(),
  subject: Type.String(),
  device: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String(),
  lastUsedAt: Type.String(),
  expiresAt: Type.String({ description: 'When the session key stops working (refresh before then)' }),
  idleExpiresAt: Type.String(),
  absoluteExpiresAt: Type.String(),
  revokedAt: Nullable(),
  revokedReason: Nullable(),
});
const Issued = Type.Object({ session: SessionView, sessionKey: Type.String(), refreshToken: Type.String(), expiresAt: Type.String() });

export function sessionRoutes(server: Server, kw: Pick<Keyward, 'sessions' | 'verifier'>): void {
  server.post(
    '/v1/sessions',
    {
      config: { auth: 'root-or-secret', permission: 'sessions:write' },
      schema: {
        tags: ['sessions'],
        summary: 'Create a session for a subject your backend authenticated. Returns the session key and refresh token once.',
        body: Type.Object({ subject: Subject, device: Type.Optional(Device), appId: Type.Optional(AppId), environment: Type.Optional(Environment) }, { additionalProperties: false }),
        response: { 201: Issued, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = appScope(request, request.body);
      const r = await kw.sessions.create({ ...scope, subject: request.body.subject, ...(request.body.device ? { device: request.body.device } : {}) }, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send(issuedSessionView(r.session, r.sessionKey, r.refreshToken));
    },
  );

  server.post(
    '/v1/sessions/refresh',
    {
      config: { auth: 'public' }, // the refresh token in the body is the credential
      schema: {
        tags: ['sessions'],
        summary: 'Rotate a session key and refresh token. Reusing a spent refresh token revokes the session (REFRESH_REUSED).',
        body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
        response: { 200: Issued, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const r = await kw.sessions.refresh(request.body.refreshToken);
      if (!r.valid) throw new KeywardError(r.code, r.code === 'REFRESH_REUSED' ? 'this refresh token was already used; the session is revoked, sign in again' : 'sign in again');
      return reply.header('cache-control', 'no-store').send(issuedSessionView(r.session, r.sessionKey!, r.refreshToken!));
    },
  );

  server.post(
    '/v1/sessions/login',
    {
      config: { auth: 'public' }, // authenticated by the app's publishable key (X-Api-Key) and the password
      schema: {
        tags: ['sessions'],
        summary: "Password login with Keyward-managed passwords (argon2id, per-account throttling). Send the app's publishable key in X-Api-Key.",
        body: Type.Object({ subject: Subject, password: Type.String({ minLength: 1, maxLength: 1024 }), device: Type.Optional(Device) }, { additionalProperties: false }),
        response: { 201: Issued, ...ERROR_RESPONSES, 429: ERROR_RESPONSES[400] },
      },
    },
    async (request, reply) => {
      const scope = await publishableScope(kw, request);
      const r = await kw.sessions.login({ appId: scope.appId, environment: scope.environment, subject: request.body.subject, password: request.body.password, ...(request.body.device ? { device: request.body.device } : {}) }, { actor: scope.keyId, requestId: String(request.id) });
      if (!r.valid) throw new KeywardError(r.code, undefined, r.retryAfterSeconds ? { headers: { 'retry-after': String(r.retryAfterSeconds) } } : {});
      return reply.code(201).header('cache-control', 'no-store').send(issuedSessionView(r.issued!.session, r.issued!.sessionKey, r.issued!.refreshToken));
    },
  );

  server.get(
    '/v1/sessions',
    {
      config: { auth: 'root-or-secret', permission: 'sessions:read' },
      schema: {
        tags: ['sessions'],
        summary: "List sessions (a subject's, or all), with device and last use",
        querystring: Type.Object({ subject: Type.Optional(Subject), appId: Type.Optional(AppId), environment: Type.Optional(Environment), includeRevoked: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(SessionView) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = appScope(request, request.query);
      return { items: (await kw.sessions.list(scope.appId, scope.environment, request.query.subject, request.query.includeRevoked === 'true')).map(sessionView) };
    },
  );

  server.post(
    '/v1/sessions/:sessionId/revoke',
    {
      config: { auth: 'root-or-secret', permission: 'sessions:write' },
      schema: { tags: ['sessions'], summary: 'Revoke one session', params: Type.Object({ sessionId: Type.String({ pattern: idPattern('ses') }) }), body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false })), response: { 200: SessionView, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const s = await kw.sessions.get(request.params.sessionId);
      appScope(request, request.caller!.key.kind === 'root' ? { appId: s.appId, environment: s.environment } : {});
      if (request.caller!.key.kind !== 'root' && (s.appId !== request.caller!.key.appId || s.environment !== request.caller!.key.environment)) throw new KeywardError('NOT_FOUND', 'session not found');
      await kw.sessions.revoke(s.id, request.body?.reason ?? 'revoked', actorOf(request));
      return sessionView(await kw.sessions.get(s.id));
    },
  );

  server.post(
    '/v1/subjects/:subject/sessions/revoke',
    {
      config: { auth: 'root-or-secret', permission: 'sessions:write' },
      schema: {
        tags: ['sessions'],
        summary: "Revoke every session of a subject (e.g. after a password change)",
        params: Type.Object({ subject: Subject }),
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 512 })), appId: Type.Optional(AppId), environment: Type.Optional(Environment) }, { additionalProperties: false })),
        response: { 200: Type.Object({ revoked: Type.Integer() }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = appScope(request, request.body ?? {});
      return { revoked: await kw.sessions.revokeAllForSubject(scope.appId, scope.environment, request.params.subject, request.body?.reason ?? 'revoked', actorOf(request)) };
    },
  );

  server.put(
    '/v1/subjects/:subject/password',
    {
      config: { auth: 'root-or-secret', permission: 'sessions:write' },
      schema: {
        tags: ['sessions'],
        summary: 'Set a subject\'s password for Keyward-managed login (stored as argon2id)',
        params: Type.Object({ subject: Subject }),
        body: Type.Object({ password: Type.String({ minLength: 8, maxLength: 1024 }), appId: Type.Optional(AppId), environment: Type.Optional(Environment) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = appScope(request, request.body);
      await kw.sessions.setPassword(scope.appId, scope.environment, request.params.subject, request.body.password, actorOf(request));
      return reply.code(204).send(null);
    },
  );
}
