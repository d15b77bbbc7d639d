import { Type } from '@sinclair/typebox';
import { explainCredential } from '../../credentials/explain.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { explain, type CompiledAccessMap } from '../../policy/evaluate.js';
import { ERROR_RESPONSES, KeyId } from '../schemas.js';
import type { Server } from '../types.js';
import { accessMapView } from '../views.js';
import { keyAccessCaller } from './key-access.js';

const Strings = Type.Array(Type.String());
const Refill = Type.Union([Type.Literal('daily'), Type.Literal('monthly'), Type.Object({ intervalSeconds: Type.Integer() })]);
const ResourceView = Type.Object({
  name: Type.String(),
  path: Type.String(),
  methods: Type.Union([Strings, Type.Literal('*')]),
  allow: Strings,
  scopes: Strings,
  subject: Type.Union([Type.String({ description: 'The path parameter that must be the caller’s subject' }), Type.Null()]),
  subjectForAll: Type.Boolean(),
  require: Strings,
  environments: Type.Union([Strings, Type.Null()]),
  minAppVersion: Type.Object({ live: Type.Optional(Type.String()), test: Type.Optional(Type.String()) }),
  rateLimits: Strings,
  quota: Type.Union([Type.String(), Type.Null()]),
  cost: Type.Number(),
  injectSecret: Type.Union([Type.Object({ name: Type.String(), header: Type.String() }), Type.Null()], { description: 'The server-held secret injected upstream (its name and header; never a value)' }),
  audience: Type.Union([Type.String(), Type.Null()]),
  upstream: Type.Union([Type.String(), Type.Null()]),
  monitor: Type.Boolean({ description: 'Attestation in monitor-only mode on this route' }),
  line: Type.Integer(),
});
const MapView = Type.Object({
  loaded: Type.Boolean({ description: 'false: the server was started without --policy (every other field empty)' }),
  audience: Type.Union([Type.String(), Type.Null()]),
  resources: Type.Array(ResourceView),
  limits: Type.Array(Type.Object({ name: Type.String(), rate: Type.Number(), windowSeconds: Type.Number(), burst: Type.Number(), by: Type.String() })),
  quotas: Type.Array(Type.Object({ name: Type.String(), amount: Type.Number(), refill: Refill, by: Type.String() })),
  upstreams: Type.Array(Type.Object({ name: Type.String(), url: Type.String(), audience: Type.Union([Type.String(), Type.Null()]) })),
});

const Flag = { description: 'Answer as if the request carried it' };
const ExplainBody = Type.Object(
  {
    credential: Type.Optional(Type.String({ minLength: 1, maxLength: 8192, description: 'The key, session key or token to test (in the body, never a URL; not stored or logged)' })),
    keyId: Type.Optional(KeyId),
    method: Type.String({ pattern: '^[A-Za-z]{1,16}$' }),
    path: Type.String({ pattern: '^/', maxLength: 2048 }),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The subject (X-Keyward-Subject) a credential without its own would act for' })),
    appVersion: Type.Optional(Type.String({ maxLength: 64 })),
    assumeSigned: Type.Optional(Type.Boolean(Flag)),
    assumeAttested: Type.Optional(Type.Boolean(Flag)),
  },
  { additionalProperties: false },
);
const ExplainView = Type.Object({
  allowed: Type.Boolean(),
  code: Type.Optional(Type.String({ description: 'Why not: the code the request would get' })),
  resource: Type.Optional(Type.String()),
  steps: Type.Array(Type.Object({ check: Type.String(), ok: Type.Boolean(), detail: Type.String() })),
  conditions: Type.Array(Type.String({ description: 'What a request must also satisfy (a key’s allow-list, its client certificate)' })),
});

/**
 * The loaded access map for operators: `GET /v1/policy` shows it, `POST /v1/policy/explain`
 * answers "may this credential make this call?" with the code path of `keyward policy explain`
 * (credentials/explain.ts) for a credential, or of `GET /v1/keys/{keyId}/access` for a key id.
 * The map is server-wide, so both need a root key for every app.
 */
export function policyRoutes(server: Server, kw: Pick<Keyward, 'keys' | 'now' | 'credentials'>, mapSource: CompiledAccessMap | (() => CompiledAccessMap | undefined) | undefined): void {
  // A function is a reloading map (`keyward start --policy`, gateway/reload.ts): read per request.
  const currentMap = typeof mapSource === 'function' ? mapSource : () => mapSource;
  server.get(
    '/v1/policy',
    {
      config: { auth: 'root', permission: 'keys:read' },
      schema: { tags: ['keys'], summary: 'The access map the server was started with (`keyward start --policy`), as data: resources, limits, quotas, upstreams', response: { 200: MapView, ...ERROR_RESPONSES } },
    },
    async () => accessMapView(currentMap()?.map),
  );

  server.post(
    '/v1/policy/explain',
    {
      config: { auth: 'root', permission: 'credentials:verify' },
      schema: {
        tags: ['keys'],
        summary: 'May this credential (or key id) make this call? The decision of the loaded access map with every check it made, as `keyward policy explain` prints it',
        description: 'Exactly one of `credential` and `keyId`. Without a loaded access map: 409 CONFLICT. Rate limits, quotas and credits are not evaluated (they depend on traffic), and asking spends no credits.',
        body: ExplainBody,
        response: { 200: ExplainView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const accessMap = currentMap();
      const b = request.body;
      if ((b.credential === undefined) === (b.keyId === undefined)) {
        const pointer = b.credential === undefined ? '/body/credential' : '/body/keyId';
        throw new KeywardError('VALIDATION_FAILED', 'give exactly one of credential and keyId', { errors: [{ pointer, message: 'exactly one of credential and keyId' }] });
      }
      const assumed = { ...(b.assumeSigned !== undefined ? { assumeSigned: b.assumeSigned } : {}), ...(b.assumeAttested !== undefined ? { assumeAttested: b.assumeAttested } : {}) };
      const asked = { method: b.method, path: b.path, ...(b.subject ? { subject: b.subject } : {}), ...(b.appVersion ? { appVersion: b.appVersion } : {}) };
      if (b.keyId !== undefined) {
        const flag = (v: boolean | undefined) => (v ? ('true' as const) : ('false' as const));
        const { map, key, caller, context, head } = await keyAccessCaller(kw, accessMap, request.caller!, b.keyId, { ...asked, assumeSigned: flag(b.assumeSigned), assumeAttested: flag(b.assumeAttested) });
        const first = { check: 'credential', ok: head.usable, detail: head.usable ? `${key.kind} ${key.id} (${key.environment})` : head.code! };
        if (!head.usable) return { allowed: false, code: head.code, steps: [first], conditions: head.conditions };
        const { decision, steps } = explain(map, { method: b.method, path: b.path.split('?')[0]!, ...context }, caller);
        const all = [first, ...steps];
        return decision.allowed ? { allowed: true, resource: decision.resource.name, steps: all, conditions: head.conditions } : { allowed: false, code: decision.code, ...(decision.resource ? { resource: decision.resource.name } : {}), steps: all, conditions: head.conditions };
      }
      if (!accessMap) throw new KeywardError('CONFLICT', 'no access map is loaded: start the server with --policy <file>');
      return { ...(await explainCredential(kw.credentials, accessMap, { credential: b.credential!, ...asked, ...assumed })), conditions: [] };
    },
  );
}
