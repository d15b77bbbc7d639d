import { Type, type Static, type StringOptions, type TUnsafe } from '@sinclair/typebox';
import { idPattern } from '../lib/ids.js';

/**
 * `T | null` as `{type: [T, 'null']}` rather than `anyOf`: fast-json-stringify serialises a type
 * array directly but validates `anyOf` branches with ajv on every response, which cost a third of
 * the verify endpoint's throughput.
 */
export function Nullable(options: StringOptions & { enum?: string[] } = {}): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ ...options, type: ['string', 'null'] });
}

/** Shared TypeBox schemas. Objects are closed (`additionalProperties: false`): unknown fields are an error, not silently dropped. */
export const AppId = Type.String({ pattern: idPattern('app'), description: 'App id, `app_…`' });
export const KeyId = Type.String({ pattern: idPattern('key'), description: 'Key id, `key_…`' });
export const Environment = Type.Union([Type.Literal('live'), Type.Literal('test')]);
export const AppKeyKind = Type.Union(
  ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing'].map((k) => Type.Literal(k)),
  { description: 'Credential kind' },
);
export const Scope = Type.String({ minLength: 1, maxLength: 130 });
export const Meta = Type.Record(Type.String(), Type.Unknown(), { description: 'Free JSON metadata, at most 4 KiB' });
export const Limit = Type.String({ pattern: '^[0-9]{1,4}$', description: 'Page size, 1–1000 (default 100)' });

const OIDC_ALGS = Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')]);
/** An app's external identity provider (oidc/config.ts checks the URLs and the rest). */
const IdentityProviderInput = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 2048, description: 'Exact iss of its tokens' }),
    audience: Type.String({ minLength: 1, maxLength: 256, description: 'The aud its tokens carry for this app' }),
    jwksUri: Type.String({ minLength: 1, maxLength: 2048, description: 'https:// (http:// on loopback only) URL of its JWKS' }),
    environment: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'default live' })),
    algorithms: Type.Optional(Type.Array(OIDC_ALGS, { minItems: 1, maxItems: 3, description: 'default all three; never none or HS*' })),
    clockSkewSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300, description: 'default 60' })),
  },
  { additionalProperties: false },
);
const IdentityProviderView = Type.Object({
  issuer: Type.String(),
  audience: Type.String(),
  jwksUri: Type.String(),
  environment: Type.String(),
  algorithms: Type.Array(Type.String()),
  clockSkewSeconds: Type.Integer(),
});

const AnomalyAction = Type.Union([Type.Literal('alert'), Type.Literal('throttle'), Type.Literal('suspend')]);
/** Per anomaly rule (docs/anomalies.md), what happens when it fires; rules left out alert. */
const AnomalyActions = Type.Partial(
  Type.Object({ traffic_spike: AnomalyAction, many_networks: AnomalyAction, verification_failures: AnomalyAction, key_in_url: AnomalyAction, new_user_agent: AnomalyAction }, { additionalProperties: false }),
  { additionalProperties: false, description: 'alert, throttle or suspend, per anomaly rule' },
);

export const AppSettingsSchema = Type.Object(
  {
    revokeKeysSeenInUrls: Type.Optional(Type.Boolean()),
    defaultRotationGraceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7_776_000 })),
    signatureRequiredComponents: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
    signatureSkewSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
    maxTokenTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    certificatePins: Type.Optional(Type.Array(Type.String({ pattern: '^sha256/[A-Za-z0-9+/]{43}=$' }), { maxItems: 16 })),
    pinSetTtlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 90 * 86_400 })),
    corsOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256, description: 'https://app.example.com, or * for any origin (never with credentials)' }), { maxItems: 32 })),
    identityProviders: Type.Optional(Type.Array(IdentityProviderInput, { maxItems: 8, description: "External OIDC providers whose end-user tokens this app accepts (replaces the whole list)" })),
    anomalyActions: Type.Optional(AnomalyActions),
    leakAction: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('revoke'), Type.Literal('flag')], { description: 'What a leak report does to a key of this app: auto (flag publishable keys, revoke the rest), revoke, or flag' })),
  },
  { additionalProperties: false },
);

export const AppView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  settings: Type.Object({
    revokeKeysSeenInUrls: Type.Boolean(),
    defaultRotationGraceSeconds: Type.Integer(),
    signatureRequiredComponents: Type.Array(Type.String()),
    signatureSkewSeconds: Type.Integer(),
    maxTokenTtlSeconds: Type.Integer(),
    certificatePins: Type.Array(Type.String()),
    pinSetTtlSeconds: Type.Integer(),
    corsOrigins: Type.Array(Type.String()),
    identityProviders: Type.Array(IdentityProviderView),
    anomalyActions: AnomalyActions,
    leakAction: Type.Union([Type.Literal('auto'), Type.Literal('revoke'), Type.Literal('flag')]),
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});

export const KeyView = Type.Object({
  id: Type.String(),
  appId: Nullable(),
  environment: Nullable({ enum: ['live', 'test'] }),
  kind: Type.String(),
  name: Type.String(),
  start: Type.String({ description: 'Non-secret display prefix' }),
  scopes: Type.Array(Type.String()),
  subject: Nullable(),
  meta: Meta,
  ipAllowList: Type.Array(Type.String()),
  clientCertSha256: Nullable(),
  ratelimit: Type.Union([Type.Object({ rate: Type.Integer(), windowSeconds: Type.Integer(), burst: Type.Integer() }), Type.Null()]),
  credits: Type.Union([
    Type.Object({
      amount: Type.Integer(),
      refill: Type.Union([Type.String(), Type.Object({ intervalSeconds: Type.Integer() }), Type.Null()]),
      remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'Balance when read (before any refill due)' }),
    }),
    Type.Null(),
  ]),
  enabled: Type.Boolean(),
  expiresAt: Nullable({ format: 'date-time' }),
  revokedAt: Nullable({ format: 'date-time' }),
  revokedReason: Nullable(),
  exposedAt: Nullable({ format: 'date-time' }),
  reissuedFromId: Nullable(),
  identityId: Nullable({ description: 'The identity whose metadata, rate limit and credits the key shares (`idt_…`)' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable({ format: 'date-time' }),
  usageCount: Type.Integer(),
  version: Type.Integer(),
});

export const IssuedKeyView = Type.Object({
  key: KeyView,
  secret: Type.String({ description: 'The key itself. Shown this once; store it now.' }),
});

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details' },
);

export type KeyViewT = Static<typeof KeyView>;

export function parseLimit(limit: string | undefined): number {
  const n = limit === undefined ? 100 : Number(limit);
  return Math.min(1000, Math.max(1, n));
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Standard error responses attached to every route's OpenAPI description. */
export const ERROR_RESPONSES = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  503: ProblemSchema,
};
