import { isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { verifyAny } from '../../credentials/verify-any.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { retryAfterSeconds } from '../../ratelimit/headers.js';
import { AppId, ERROR_RESPONSES, Environment, Nullable, Scope } from '../schemas.js';
import type { Server } from '../types.js';
import { appScope } from './app-scope.js';

const Result = Type.Object({
  valid: Type.Boolean(),
  code: Type.String(),
  scheme: Type.Optional(Type.String({ description: 'key, session, token or signature' })),
  kind: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  appId: Type.Optional(Type.String()),
  environment: Type.Optional(Type.String()),
  subject: Type.Optional(Nullable()),
  scopes: Type.Optional(Type.Array(Type.String())),
  signed: Type.Optional(Type.Boolean()),
  session: Type.Optional(Type.Boolean()),
  attested: Type.Optional(Type.Boolean({ description: 'The credential is an app token of an attested, active app instance' })),
  instanceId: Type.Optional(Type.String({ description: 'With an app token: the attested app instance (ins_…)' })),
  asserted: Type.Optional(Type.Boolean({ description: 'A request with a Keyward-Assertion header: the assertion held (its counter is now spent)' })),
  retryAfterSeconds: Type.Optional(Type.Integer({ description: 'RATE_LIMITED and USAGE_EXCEEDED: seconds until the credential may call again (as Retry-After)' })),
  requestId: Type.String(),
});

export function verifyAnyRoutes(server: Server, kw: Pick<Keyward, 'credentials' | 'metrics' | 'attestation' | 'now'>): void {
  server.post(
    '/v1/verify',
    {
      config: { auth: 'root-or-secret', permission: 'credentials:verify' },
      schema: {
        tags: ['verify'],
        summary: 'Verify any credential — a key, a session key, a token, or a whole signed request — with one answer shape. Always 200 with {valid, code}.',
        body: Type.Object(
          {
            credential: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
            subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            request: Type.Optional(
              Type.Object(
                {
                  method: Type.String({ minLength: 1, maxLength: 16 }),
                  target: Type.String({ minLength: 1, maxLength: 8192, description: 'The request target exactly as sent, e.g. /v1/x?y=1. One carrying a key, as sent or percent-encoded, answers {valid: false, code: KEY_IN_URL} and every real key in it is marked exposed (revoked when its app says so)' }),
                  headers: Type.Array(Type.Tuple([Type.String({ maxLength: 256 }), Type.String({ maxLength: 8192 })]), { maxItems: 100, description: 'Header lines as sent, duplicates kept' }),
                  bodyBase64: Type.Optional(Type.String({ maxLength: 1_400_000 })),
                },
                { additionalProperties: false },
              ),
            ),
            scopes: Type.Optional(Type.Array(Scope, { maxItems: 32 })),
            appId: Type.Optional(AppId),
            environment: Type.Optional(Environment),
            clientIp: Type.Optional(Type.String({ minLength: 2, maxLength: 45, description: "The end user's IP address as your backend saw it: for anomaly detection only (many networks), never for authentication" })),
            userAgent: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "The end user's User-Agent as your backend saw it, for anomaly detection (default: the signed request's own)" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Result, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const b = request.body;
      if ((b.credential === undefined) === (b.request === undefined)) throw new KeywardError('VALIDATION_FAILED', 'send exactly one of credential or request');
      if (b.clientIp !== undefined && isIP(b.clientIp) === 0) throw new KeywardError('VALIDATION_FAILED', '/body/clientIp: an IPv4 or IPv6 address', { errors: [{ pointer: '/body/clientIp', message: 'an IPv4 or IPv6 address' }] });
      const scope = request.caller!.key.kind === 'root' ? { ...(b.appId ? { appId: b.appId } : {}), ...(b.environment ? { environment: b.environment } : {}) } : appScope(request, b);
      const input = b.credential !== undefined
        ? { credential: b.credential, ...(b.subject ? { subject: b.subject } : {}) }
        : { request: { method: b.request!.method, target: b.request!.target, headers: b.request!.headers, ...(b.request!.bodyBase64 ? { body: Buffer.from(b.request!.bodyBase64, 'base64') } : {}) } };
      // Anomaly detection sees every verification here too (in memory; no store write per request).
      const observed = { now: kw.now, ...(b.clientIp ? { clientIp: b.clientIp } : {}), ...(b.userAgent ? { userAgent: b.userAgent } : {}) };
      const r = await verifyAny(kw.credentials, input, { ...scope, ...(b.scopes ? { scopes: b.scopes } : {}) }, (scheme, code, reason) => kw.metrics.verification(scheme, code, reason), { attestation: kw.attestation.gate, observed, requestId: String(request.id) });
      if (!r.valid) return r.retryAfterMs !== undefined ? { valid: false, code: r.code, retryAfterSeconds: retryAfterSeconds(r.retryAfterMs), requestId: String(request.id) } : { valid: false, code: r.code, requestId: String(request.id) };
      return { ...r, scopes: [...r.scopes], requestId: String(request.id) };
    },
  );
}
