import { Type } from '@sinclair/typebox';
import { KeywardError, isKeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { JWKS_MAX_AGE_SECONDS } from '../../tokens/lifecycle.js';
import type { TokenService } from '../../tokens/service.js';
import { AppId, ERROR_RESPONSES, Environment, Scope } from '../schemas.js';
import type { Server } from '../types.js';
import { mintedTokenView, revokedTokenView, signingKeyScheduleView, signingKeyView, tokenVerificationView } from '../views.js';
import { assertAppAccess } from '../auth.js';
import { refuseKeywardClaims } from '../../tokens/claims.js';
import { actorOf } from './actor.js';
import { appScope } from './app-scope.js';

const Alg = Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')]);

const MintBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 256, description: '`sub`: the user or device the token acts for' }),
    audience: Type.String({ minLength: 1, maxLength: 256, description: '`aud`: the one service meant to accept it' }),
    scopes: Type.Array(Scope, { maxItems: 32 }),
    ttlSeconds: Type.Integer({ minimum: 1, maximum: 604_800, description: "Lifetime; above the app's cap is refused, never shortened" }),
    singleUse: Type.Optional(Type.Boolean({ description: 'Verifies once: the jti is consumed atomically' })),
    alg: Type.Optional(Alg),
    claims: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 16, description: 'Extra claims; registered and kw_* names are refused' })),
    appId: Type.Optional(AppId),
    environment: Type.Optional(Environment),
  },
  { additionalProperties: false },
);

const VerifyBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 8192 }),
    audience: Type.Optional(Type.String({ maxLength: 256 })),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 32, description: 'Scopes the call needs (all required)' })),
    appId: Type.Optional(AppId),
    environment: Type.Optional(Environment),
  },
  { additionalProperties: false },
);

const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: Type.String({ description: 'VALID, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_ALREADY_USED or INSUFFICIENT_SCOPES' }),
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

/** Service field errors point into the body here. */
function inBody(err: unknown): never {
  if (isKeywardError(err) && err.errors) throw new KeywardError(err.code, err.detail, { errors: err.errors.map((e) => ({ ...e, pointer: `/body${e.pointer}` })) });
  throw err;
}

/**
 * Token routes. `tokens` defaults to the container's service; tests and embedders may pass their own.
 * Only the JWKS is public; minting and verifying need a root key or the app's secret key (which
 * acts only in its own app and environment); rotation needs a root key.
 */
export function tokenRoutes(server: Server, kw: Pick<Keyward, 'apps' | 'metrics' | 'tokens'>, tokens: TokenService = kw.tokens): void {
  server.post(
    '/v1/tokens',
    {
      config: { auth: 'root-or-secret', permission: 'tokens:write' },
      schema: {
        tags: ['tokens'],
        summary: 'Mint a short-lived JWT for one subject, audience and set of scopes (e.g. an upload token). Optionally single use.',
        body: MintBody,
        response: { 201: Type.Object({ token: Type.String(), jti: Type.String(), kid: Type.String(), expiresAt: Type.String() }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = appScope(request, request.body);
      const b = request.body;
      refuseKeywardClaims(b.claims);
      const app = await kw.apps.get(scope.appId);
      const minted = await tokens
        .mint({
          ...scope,
          subject: b.subject,
          audience: b.audience,
          scopes: b.scopes,
          ttlSeconds: b.ttlSeconds,
          ttlCapSeconds: app.settings.maxTokenTtlSeconds,
          ...(b.singleUse ? { singleUse: true } : {}),
          ...(b.alg ? { alg: b.alg } : {}),
          ...(b.claims ? { claims: b.claims } : {}),
        })
        .catch(inBody);
      return reply.code(201).header('cache-control', 'no-store').send(mintedTokenView(minted));
    },
  );

  server.post(
    '/v1/tokens/verify',
    {
      config: { auth: 'root-or-secret', permission: 'credentials:verify' },
      schema: {
        tags: ['tokens'],
        summary: 'Verify a token. Always 200 with {valid, code}; a single-use token is consumed by its first successful verification.',
        description: 'With a secret key, only tokens of its own app and environment verify. A refusal names its code only: forged, unknown-key and misdirected tokens all answer TOKEN_INVALID.',
        body: VerifyBody,
        response: { 200: VerifyResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const b = request.body;
      const scope = request.caller!.key.kind === 'root' ? { ...(b.appId ? { appId: b.appId } : {}), ...(b.environment ? { environment: b.environment } : {}) } : appScope(request, b);
      const r = await tokens.verify(b.token, { ...scope, ...(b.audience !== undefined ? { audience: b.audience } : {}), ...(b.scopes ? { requiredScopes: b.scopes } : {}) });
      kw.metrics.verification('token', r.code, r.valid ? 'VALID' : r.reason);
      return { ...tokenVerificationView(r), requestId: String(request.id) };
    },
  );

  server.post(
    '/v1/tokens/:jti/revoke',
    {
      config: { auth: 'root-or-secret', permission: 'tokens:write', apps: 'handler' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token by its jti: it is refused everywhere (POST /v1/verify, the gateway, the middlewares, /v1/tokens/verify). Audited; revoking again changes nothing.',
        description:
          'Tokens are not stored, so the revocation names the app and environment (a root key names both; a secret key revokes in its own): it refuses only a token of that jti minted for them. It is kept until no token of the jti could still be accepted (the longest TTL plus the clock tolerance). Other processes on the store refuse it from their next change-log read.',
        params: Type.Object({ jti: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$', description: 'The `jti` claim (POST /v1/tokens answers it)' }) }),
        body: Type.Object({ appId: Type.Optional(AppId), environment: Type.Optional(Environment), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            jti: Type.String(),
            appId: Type.String(),
            environment: Type.String(),
            revoked: Type.Literal(true),
            alreadyRevoked: Type.Boolean({ description: 'It was revoked before (nothing changed)' }),
            reason: Type.Union([Type.String(), Type.Null()]),
            revokedAt: Type.String(),
            expiresAt: Type.String({ description: 'When the revocation is dropped: no token of this jti verifies after it anyway' }),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const scope = appScope(request, request.body);
      assertAppAccess(request.caller!, scope.appId);
      await kw.apps.get(scope.appId);
      const r = await tokens.revoke({ jti: request.params.jti, ...scope, ...(request.body.reason !== undefined ? { reason: request.body.reason } : {}) }, actorOf(request));
      return { ...revokedTokenView(r.revocation), revoked: true as const, alreadyRevoked: r.alreadyRevoked };
    },
  );

  server.get(
    '/.well-known/jwks.json',
    {
      config: { auth: 'public' },
      schema: { tags: ['tokens'], summary: "Keyward's token signing keys (public parts only)", response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.String())) }) } },
    },
    // Rotated keys are published here signingKeyPublishDelaySeconds (≥ this max-age by default)
    // before they sign, so a verifier's cached copy already holds the next key. Verifiers should
    // also refetch on an unknown kid (jose's createRemoteJWKSet does): an emergency rotation signs at once.
    async (_request, reply) => reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).send(await tokens.jwks()),
  );

  server.get(
    '/v1/signing-keys',
    {
      config: { auth: 'root', permission: 'signing-keys:read' },
      schema: {
        tags: ['tokens'],
        summary: 'Every token signing key with its publish-first schedule: published, activates, retires; which signs and which verify now (newest first, public facts only)',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                kid: Type.String(),
                alg: Type.String(),
                state: Type.String({ description: 'pending, active, published (replaced, still verifying until retiresAt) or retired' }),
                publishedAt: Type.String({ description: 'In the JWKS from then' }),
                activatesAt: Type.String({ description: 'Signs from then' }),
                retiresAt: Type.Union([Type.String(), Type.Null()], { description: 'Its tokens are refused from then (a replaced key); null while it signs or waits to' }),
                signsNow: Type.Boolean(),
                verifiesNow: Type.Boolean(),
              }),
            ),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => ({ items: (await tokens.schedule()).map(signingKeyScheduleView) }),
  );

  server.post(
    '/v1/signing-keys/rotate',
    {
      config: { auth: 'root', permission: 'signing-keys:write' },
      schema: {
        tags: ['tokens'],
        summary: 'Rotate the token signing key for an algorithm (default EdDSA). Audited. The new key is published in the JWKS first and signs from activatesAt; the old key keeps verifying until its tokens have expired.',
        description:
          'With `immediate: true` (a leaked private key) the new key signs at once, and `revokePrevious: true` also stops accepting tokens of the replaced key at once. 409 CONFLICT while a rotation of the algorithm is already pending.',
        body: Type.Object(
          {
            alg: Type.Optional(Alg),
            immediate: Type.Optional(Type.Boolean({ description: 'Sign with the new key now instead of after the publish delay' })),
            revokePrevious: Type.Optional(Type.Boolean({ description: 'With immediate: refuse tokens of the replaced key from now on' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            kid: Type.String(),
            alg: Type.String(),
            state: Type.String({ description: 'pending (published, signs from activatesAt) or active (signs now)' }),
            createdAt: Type.String(),
            activatesAt: Type.String(),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      await tokens.init();
      const b = request.body;
      const r = await tokens.rotate(b.alg ?? 'EdDSA', actorOf(request), { ...(b.immediate ? { immediate: true } : {}), ...(b.revokePrevious ? { revokePrevious: true } : {}) }).catch(inBody);
      return signingKeyView(r);
    },
  );
}
