import { Type } from '@sinclair/typebox';
import { BEARER_KEY_KINDS } from '../../credentials/authenticate.js';
import { keyCaller } from '../../credentials/caller.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { decideKey } from '../../keys/decide.js';
import type { Keyward } from '../../keyward.js';
import { accessList, explain, type CompiledAccessMap, type PolicyDecision, type Step } from '../../policy/evaluate.js';
import { ERROR_RESPONSES, KeyId } from '../schemas.js';
import type { Operator } from '../auth.js';
import type { Server } from '../types.js';
import { appKeyFor } from './keys.js';

const StepView = Type.Object({ check: Type.String(), ok: Type.Boolean(), detail: Type.String() });
const CallView = Type.Object({
  resource: Type.Optional(Type.String()),
  path: Type.Optional(Type.String({ description: 'The resource path pattern (listing) or the path asked about' })),
  methods: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Literal('*')])),
  method: Type.Optional(Type.String()),
  allowed: Type.Boolean(),
  code: Type.Optional(Type.String({ description: 'Why not: the code a request would get' })),
  reason: Type.Optional(Type.String()),
  steps: Type.Array(StepView),
});
const Flag = Type.Union([Type.Literal('true'), Type.Literal('false')]);

const callView = (decision: PolicyDecision, steps: Step[]) =>
  decision.allowed ? { allowed: true, resource: decision.resource.name, steps } : { allowed: false, code: decision.code, reason: decision.reason, ...(decision.resource ? { resource: decision.resource.name } : {}), steps };

/**
 * "Which calls may this key make": the loaded access map evaluated for the key, with the same
 * checks (policy/evaluate.ts) the gateway and middlewares run per request and `keyward policy
 * explain` prints, for the caller the key would be (credentials/caller.ts `keyCaller`). Without
 * `method` and `path` every resource is listed; with them, that one call is explained.
 */
export function keyAccessRoutes(server: Server, kw: Pick<Keyward, 'keys' | 'now'>, mapSource: CompiledAccessMap | (() => CompiledAccessMap | undefined) | undefined): void {
  // A function is a reloading map (`keyward start --policy`, gateway/reload.ts): read per request.
  const currentMap = typeof mapSource === 'function' ? mapSource : () => mapSource;
  server.get(
    '/v1/keys/:keyId/access',
    {
      config: { auth: 'root', permission: 'keys:read', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: 'Which calls of the loaded access map a key may make, and why not for the others',
        description: 'Needs a server started with an access map (`keyward start --policy <file>`); without one the answer is 409 CONFLICT.',
        params: Type.Object({ keyId: KeyId }),
        querystring: Type.Object(
          {
            method: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,16}$', description: 'With `path`: explain this one call' })),
            path: Type.Optional(Type.String({ pattern: '^/', maxLength: 2048 })),
            subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The subject (X-Keyward-Subject) a key without its own would act for' })),
            appVersion: Type.Optional(Type.String({ maxLength: 64 })),
            assumeSigned: Type.Optional(Flag),
            assumeAttested: Type.Optional(Flag),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            keyId: Type.String(),
            usable: Type.Boolean({ description: 'Whether the key itself passes verification now (revoked, disabled, expired or subject-less keys make no call)' }),
            code: Type.Optional(Type.String()),
            conditions: Type.Array(Type.String({ description: 'What a request must also satisfy (allow-list, client certificate)' })),
            call: Type.Optional(CallView),
            resources: Type.Optional(Type.Array(CallView)),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query;
      if ((q.method === undefined) !== (q.path === undefined)) throw new KeywardError('VALIDATION_FAILED', 'give method and path together', { errors: [{ pointer: q.method === undefined ? '/querystring/method' : '/querystring/path', message: 'required with the other' }] });
      const { map, caller, context, head } = await keyAccessCaller(kw, currentMap(), request.caller!, request.params.keyId, q);
      if (q.method && q.path) {
        const { decision, steps } = explain(map, { method: q.method, path: q.path.split('?')[0]!, ...context }, caller);
        return { ...head, call: { method: q.method.toUpperCase(), path: q.path, ...callView(decision, steps) } };
      }
      return { ...head, resources: accessList(map, caller, context).map(({ resource, decision, steps }) => ({ path: resource.path, methods: resource.methods === '*' ? ('*' as const) : [...resource.methods], ...callView(decision, steps) })) };
    },
  );
}

/** What `GET /v1/keys/{keyId}/access` and `POST /v1/policy/explain` (with a key id) are told about the call. */
export interface KeyAccessQuery {
  readonly subject?: string;
  readonly appVersion?: string;
  readonly assumeSigned?: 'true' | 'false';
  readonly assumeAttested?: 'true' | 'false';
}

/**
 * The caller a key would be on a request, without its secret: the key-level checks of a real
 * verification (decideKey), minus the per-request ones, which `head.conditions` names. Shared by
 * both routes that explain a key by its id, so they cannot disagree.
 */
export async function keyAccessCaller(kw: Pick<Keyward, 'keys' | 'now'>, accessMap: CompiledAccessMap | undefined, operator: Operator, keyId: string, q: KeyAccessQuery) {
  const key = await appKeyFor(kw, operator, keyId);
  if (!accessMap) throw new KeywardError('CONFLICT', 'no access map is loaded: start the server with --policy <file>');
  const conditions = [...(key.ipAllowList.length ? [`from an address on the key's allow-list (${key.ipAllowList.join(', ')})`] : []), ...(key.clientCertSha256 ? ['with the client certificate the key is bound to'] : [])];
  const unbound = { ...key, ipAllowList: [], clientCertSha256: null };
  const verdict = decideKey({ key: unbound, secret: { hash: '', keyId: key.id, start: key.start, createdAtMs: key.createdAtMs, expiresAtMs: null } }, { kinds: BEARER_KEY_KINDS, ...(q.subject ? { subject: q.subject } : {}) }, kw.now());
  const subject = verdict.valid ? verdict.subject : (q.subject ?? key.subject);
  const scopes = verdict.valid ? verdict.scopes : key.scopes;
  const caller = { ...keyCaller(key, subject, scopes), signed: q.assumeSigned === 'true', attested: q.assumeAttested === 'true' };
  const context = q.appVersion ? { appVersion: q.appVersion } : {};
  const head = { keyId: key.id, usable: verdict.valid, ...(verdict.valid ? {} : { code: verdict.code }), conditions };
  return { map: accessMap, key, caller, context, head };
}
