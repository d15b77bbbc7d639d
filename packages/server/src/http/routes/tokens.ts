import { Type } from '@sinclair/typebox';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { AppId, ERROR_RESPONSES, Environment, Scope } from '../schemas.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';
import { appScope } from './app-scope.js';

const TokenVerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: Type.String(),
  jti: Type.Optional(Type.String()),
  subject: Type.Optional(Type.String()),
  appId: Type.Optional(Type.String()),
  environment: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  audience: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String()),
  singleUse: Type.Optional(Type.Boolean()),
  requestId: Type.String(),
});

export function tokenRoutes(server: Server, kw: Keyward): void {
  server.post(
    '/v1/tokens',
    {
      config: { auth: 'root-or-secret' },
      schema: {
        tags: ['tokens'],
        summary: 'Mint a short-lived JWT for one subject, audience and set of scopes (e.g. an upload token). Optionally single use.',
        body: Type.Object(
          {
            subject: Type.String({ minLength: 1, maxLength: 256 }),
            audience: Type.String({ minLength: 1, maxLength: 256 }),
            scopes: Type.Array(Scope, { maxItems: 32 }),
            ttlSeconds: Type.Integer({ minimum: 1, maximum: 604_800 }),
            singleUse: Type.Optional(Type.Boolean()),
            alg: Type.Optional(Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')])),
            claims: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 16 })),
            appId: Type.Optional(AppId),
            environment: Type.Optional(Environment),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String(), jti: Type.String(), kid: Type.String(), expiresAt: Type.String() }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = appScope(request, request.body);
      const app = await kw.apps.get(scope.appId);
      const b = request.body;
      if (b.ttlSeconds > app.settings.maxTokenTtlSeconds) {
        throw new KeywardError('VALIDATION_FAILED', `ttlSeconds exceeds this app's cap of ${app.settings.maxTokenTtlSeconds} s`, { errors: [{ pointer: '/body/ttlSeconds', message: `at most ${app.settings.maxTokenTtlSeconds}` }] });
      }
      // A secret key may only grant scopes within its own (secret keys hold all; restricted keys cannot mint).
      const minted = await kw.tokens.mint({ ...scope, subject: b.subject, audience: b.audience, scopes: b.scopes, ttlSeconds: b.ttlSeconds, ...(b.singleUse ? { singleUse: true } : {}), ...(b.alg ? { alg: b.alg } : {}), ...(b.claims ? { claims: b.claims } : {}) });
      return reply.code(201).header('cache-control', 'no-store').send({ token: minted.token, jti: minted.jti, kid: minted.kid, expiresAt: new Date(minted.expiresAtMs).toISOString() });
    },
  );

  server.post(
    '/v1/tokens/verify',
    {
      config: { auth: 'root-or-secret' },
      schema: {
        tags: ['tokens'],
        summary: 'Verify a token. Always 200 with {valid, code}; single-use tokens are consumed by a successful verification.',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 8192 }), audience: Type.Optional(Type.String({ maxLength: 256 })), scopes: Type.Optional(Type.Array(Scope, { maxItems: 32 })), appId: Type.Optional(AppId), environment: Type.Optional(Environment) }, { additionalProperties: false }),
        response: { 200: TokenVerifyResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = request.caller!.key.kind === 'root' ? { ...(request.body.appId ? { appId: request.body.appId } : {}), ...(request.body.environment ? { environment: request.body.environment } : {}) } : appScope(request, request.body);
      const r = await kw.tokens.verify(request.body.token, { ...scope, ...(request.body.audience ? { audience: request.body.audience } : {}), ...(request.body.scopes ? { requiredScopes: request.body.scopes } : {}) });
      kw.metrics.verification('token', r.code, r.valid ? 'VALID' : r.reason);
      if (!r.valid) return { valid: false, code: r.code, requestId: String(request.id) };
      const c = r.claims;
      return { valid: true, code: 'VALID', jti: c.jti, subject: c.subject, appId: c.appId, environment: c.environment, scopes: [...c.scopes], audience: c.audience, expiresAt: new Date(c.expiresAtMs).toISOString(), singleUse: c.singleUse, requestId: String(request.id) };
    },
  );

  server.get(
    '/.well-known/jwks.json',
    {
      config: { auth: 'public' },
      schema: { tags: ['tokens'], summary: "Keyward's token signing keys (public parts only)", response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.String())) }) } },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await kw.tokens.jwks()),
  );

  server.post(
    '/v1/signing-keys/rotate',
    {
      config: { auth: 'root' },
      schema: {
        tags: ['tokens'],
        summary: 'Rotate the token signing key for an algorithm; the old key keeps verifying until its tokens have expired',
        body: Type.Object({ alg: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')]) }, { additionalProperties: false }),
        response: { 200: Type.Object({ kid: Type.String(), alg: Type.String() }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await kw.tokens.init();
      const r = await kw.tokens.rotate(request.body.alg, actorOf(request));
      return { kid: r.kid, alg: r.alg };
    },
  );
}
