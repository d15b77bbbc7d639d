import { Type, type Static } from '@sinclair/typebox';
import type { Mutable } from '../../lib/mutable.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { CREDIT_LIMITS } from '../../keys/credits.js';
import type { KeyDecision, VerifyRequirements } from '../../keys/decide.js';
import { verificationView } from '../views.js';
import type { Keyward } from '../../keyward.js';
import { Nullable, AppId, AppKeyKind, ERROR_RESPONSES, Environment, Scope } from '../schemas.js';
import { assertAppAccess, authorizeRoute, type Operator } from '../auth.js';
import type { Server } from '../types.js';
import { setVerifyOutcome } from '../../observability/tracing.js';

export const VerifyBody = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 255, description: 'The key to verify' }),
    appId: Type.Optional(AppId),
    environment: Type.Optional(Environment),
    kinds: Type.Optional(Type.Array(AppKeyKind, { minItems: 1, maxItems: 8, description: 'Kinds acceptable for this call' })),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The user or device the call acts for' })),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 64, description: 'Scopes the call needs (all required)' })),
    ip: Type.Optional(Type.String({ maxLength: 64, description: "The end client's address, for keys with an allow-list" })),
    cost: Type.Optional(Type.Integer({ minimum: 0, maximum: CREDIT_LIMITS.maxCostPerCall, description: 'Credits this call spends from a metered key (default 1; 0 checks the balance only)' })),
  },
  { additionalProperties: false },
);

export const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: Type.String({ description: 'VALID or a verify code from docs/errors.md' }),
  keyId: Type.Optional(Type.String()),
  appId: Type.Optional(Nullable()),
  kind: Type.Optional(Type.String()),
  environment: Type.Optional(Nullable()),
  scopes: Type.Optional(Type.Array(Type.String())),
  subject: Type.Optional(Nullable()),
  meta: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  expiresAt: Type.Optional(Nullable()),
  creditsRemaining: Type.Optional(Type.Integer({ description: 'Metered keys: credits left after this call' })),
  retryAfterSeconds: Type.Optional(Type.Integer({ description: 'RATE_LIMITED and USAGE_EXCEEDED: seconds until the key may call again (as Retry-After)' })),
  identity: Type.Optional(
    Type.Object({ id: Type.String(), externalId: Type.String(), meta: Type.Record(Type.String(), Type.Unknown()) }, { description: 'The identity the key belongs to (shared metadata, rate limit and credits)' }),
  ),
  requestId: Type.String(),
});

const VERIFY_ACCESS = { permission: 'credentials:verify', apps: 'handler' } as const;

export function verifyRoutes(server: Server, kw: Pick<Keyward, 'verifier'>): void {
  server.post(
    '/v1/keys/verify',
    {
      config: { auth: 'root-or-secret', ...VERIFY_ACCESS },
      schema: {
        tags: ['verify'],
        summary: 'Verify a key. Always 200 with {valid, code} for a well-formed key; 400 KEY_MALFORMED for one that fails its checksum.',
        description:
          'Call with a root key, or with a secret key of the app (which then verifies only keys of its own app and environment). Unknown, revoked and wrong-environment keys all answer INVALID_CREDENTIAL.',
        body: VerifyBody,
        response: { 200: VerifyResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const out = await verifyForCaller(kw, request.caller!, request.body, String(request.id));
      setVerifyOutcome(request.trace, out);
      return out;
    },
  );
}

export type VerifyResponseBody = Static<typeof VerifyResponse>;

/**
 * The verify endpoint's answer for an authenticated caller, shared by the Fastify route and the
 * raw fast path (http/verify-fast-path.ts) so the two cannot drift. Throws KeywardError for
 * refusals that are HTTP errors (malformed key, a secret key reaching outside its app).
 * Synchronous when the verifier is (a cached key): no promise on the hot path.
 */
export function verifyForCaller(kw: Pick<Keyward, 'verifier'>, caller: Operator, b: Static<typeof VerifyBody>, requestId: string): VerifyResponseBody | Promise<VerifyResponseBody> {
  // Plain assignments rather than conditional spreads: this runs on every verification, and
  // spreading `cond ? {…} : {}` objects costs more than the key check itself.
  const req: Mutable<VerifyRequirements> = {};
  if (b.appId) req.appId = b.appId;
  if (b.environment) req.environment = b.environment;
  if (b.kinds) req.kinds = b.kinds as VerifyRequirements['kinds'];
  if (b.subject !== undefined) req.subject = b.subject;
  if (b.scopes) req.scopes = b.scopes;
  if (b.ip !== undefined) req.ip = b.ip;
  if (b.cost !== undefined) req.cost = b.cost;
  if (caller.key.kind === 'root') {
    // Here as well as in the route's preHandler: the fast path (http/verify-fast-path.ts) has none.
    authorizeRoute(caller, VERIFY_ACCESS, undefined);
    if (caller.key.appIds) {
      // A root key for some apps verifies keys of those apps only: it names one, and the verifier
      // then refuses keys of any other app like a wrong-app key (INVALID_CREDENTIAL).
      if (!b.appId) throw new KeywardError('VALIDATION_FAILED', 'a root key restricted to some apps must name appId', { errors: [{ pointer: '/body/appId', message: 'required with an app-restricted root key' }] });
      assertAppAccess(caller, b.appId);
    }
  } else if (caller.key.kind === 'secret') {
    if ((b.appId && b.appId !== caller.key.appId) || (b.environment && b.environment !== caller.key.environment)) {
      throw new KeywardError('FORBIDDEN', 'a secret key verifies only keys of its own app and environment');
    }
    req.appId = caller.key.appId!;
    req.environment = caller.key.environment!;
  }
  const decision = kw.verifier.verify(b.key, req);
  return decision instanceof Promise ? decision.then((d) => answerBody(d, requestId)) : answerBody(decision, requestId);
}

function answerBody(decision: KeyDecision, requestId: string): VerifyResponseBody {
  // The verifier checks the format first; a key failing its checksum is a 400, not a verdict.
  if (!decision.valid && (decision.reason === 'MALFORMED' || decision.reason === 'BAD_CHECKSUM')) throw new KeywardError('KEY_MALFORMED', 'the key is malformed or fails its checksum');
  const out = verificationView(decision) as Mutable<VerifyResponseBody>;
  out.requestId = requestId;
  return out;
}
