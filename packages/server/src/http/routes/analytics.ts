import { Type } from '@sinclair/typebox';
import { queryEventSeries, queryTopKeys, queryVerificationAnalytics } from '../../analytics/service.js';
import { TOP_KEYS_MAX_LIMIT } from '../../analytics/top-keys.js';
import type { Keyward } from '../../keyward.js';
import { assertAppAccess } from '../auth.js';
import { AppId, ERROR_RESPONSES, KeyId } from '../schemas.js';
import type { Server } from '../types.js';

const Granularity = Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], { description: 'Bucket size (UTC); default hour' });

export const VerificationAnalyticsView = Type.Object({
  granularity: Granularity,
  from: Type.String({ format: 'date-time', description: 'Start of the first bucket (inclusive)' }),
  to: Type.String({ format: 'date-time', description: 'End of the last bucket (exclusive)' }),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      total: Type.Integer({ description: 'Verifications in the bucket, every outcome' }),
      valid: Type.Integer({ description: 'Of which VALID' }),
      outcomes: Type.Record(Type.String(), Type.Integer(), { description: 'Count per verify code (docs/errors.md); only codes that occurred' }),
    }),
    { description: 'Buckets with at least one verification, oldest first (empty buckets are left out)' },
  ),
});

const Window = {
  granularity: Type.Optional(Granularity),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 1 h (minute), 24 h (hour) or 30 d (day) before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now (the bucket in progress included)' })),
};

export const TopKeysView = Type.Object({
  granularity: Granularity,
  from: Type.String({ format: 'date-time', description: 'Start of the first bucket (inclusive)' }),
  to: Type.String({ format: 'date-time', description: 'End of the last bucket (exclusive)' }),
  keys: Type.Array(
    Type.Object({
      keyId: KeyId,
      name: Type.Union([Type.String(), Type.Null()], { description: 'null when the key no longer exists' }),
      environment: Type.Union([Type.String(), Type.Null()]),
      kind: Type.Union([Type.String(), Type.Null()]),
      start: Type.Union([Type.String(), Type.Null()], { description: 'The display prefix (never the secret)' }),
      total: Type.Integer({ description: 'Verifications in the window, every outcome' }),
      valid: Type.Integer({ description: 'Of which VALID' }),
      rejected: Type.Integer({ description: 'Of which refused (total − valid)' }),
    }),
    { description: 'Most verifications first (ties by key id); keys without any in the window are left out' },
  ),
});

const Counts = (description: string) => Type.Record(Type.String(), Type.Integer(), { description });

export const EventSeriesView = Type.Object({
  granularity: Granularity,
  from: Type.String({ format: 'date-time', description: 'Start of the first bucket (inclusive)' }),
  to: Type.String({ format: 'date-time', description: 'End of the last bucket (exclusive)' }),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      attestation: Type.Object({
        passed: Type.Integer({ description: 'Successful attestations (app instances registered)' }),
        refused: Type.Integer({ description: 'Attestation refusals answered to the caller (POST /v1/attest and route requirements)' }),
        monitored: Type.Integer({ description: 'Would have been refused: monitor-only mode let them through' }),
        refusedByCode: Counts('Refusals per catalogue code'),
        monitoredByCode: Counts('Monitor-only passes per catalogue code'),
      }),
      leaks: Type.Object({ reported: Type.Integer({ description: 'Distinct leak reports first received in the bucket' }), byStatus: Counts('Per status now (open, dismissed, resolved)'), bySource: Counts("Per the partner's source") }),
      anomalies: Type.Object({ detected: Type.Integer({ description: 'Anomaly rules that fired' }), byRule: Counts('Per rule (docs/anomalies.md)') }),
      webhooks: Type.Object({ delivered: Type.Integer(), failed: Type.Integer(), pending: Type.Integer({ description: 'Deliveries queued in the bucket, by status now' }) }),
    }),
    { description: 'Buckets with at least one count, oldest first (empty buckets are left out)' },
  ),
});

export function analyticsRoutes(server: Server, kw: Pick<Keyward, 'analytics' | 'eventSeries' | 'apps' | 'keys' | 'now'>): void {
  server.get(
    '/v1/analytics/verifications',
    {
      config: { auth: 'root', permission: 'analytics:read', apps: 'handler' },
      schema: {
        tags: ['analytics'],
        summary: 'Verification outcomes per bucket, split by code: for an app, a key, an identity, or everything',
        description:
          "Counts of key verifications (the verify endpoint, the gateway and the middleware) by outcome code. Written in batches: another node's counts arrive within its flush interval (KEYWARD_USAGE_FLUSH_INTERVAL_MS). Retention per granularity: KEYWARD_ANALYTICS_*_RETENTION_*.",
        querystring: Type.Object(
          {
            granularity: Type.Optional(Granularity),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 1 h (minute), 24 h (hour) or 30 d (day) before `to`' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now (the bucket in progress included)' })),
            appId: Type.Optional(AppId),
            keyId: Type.Optional(KeyId),
            identityId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Identity id (keys that belong to one)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: VerificationAnalyticsView, ...ERROR_RESPONSES },
      },
    },
    async (request) => queryVerificationAnalytics(kw, request.query, { authorize: (appId) => assertAppAccess(request.caller!, appId) }),
  );

  server.get(
    '/v1/analytics/top-keys',
    {
      config: { auth: 'root', permission: 'analytics:read', apps: 'handler' },
      schema: {
        tags: ['analytics'],
        summary: 'The keys with the most verifications in a window, ranked by the server, with their valid and rejected counts',
        description: 'The same counts, window and retention as /v1/analytics/verifications, summed per key; one ranked query (no per-key fan-out). Each key comes with its name, environment, kind and display prefix, never a secret or a hash.',
        querystring: Type.Object(
          {
            ...Window,
            appId: Type.Optional(AppId),
            identityId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Identity id (keys that belong to one)' })),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: `How many keys, 1–${TOP_KEYS_MAX_LIMIT} (default 10)` })),
          },
          { additionalProperties: false },
        ),
        response: { 200: TopKeysView, ...ERROR_RESPONSES },
      },
    },
    async (request) => queryTopKeys(kw, request.query, { authorize: (appId) => assertAppAccess(request.caller!, appId) }),
  );

  server.get(
    '/v1/analytics/events',
    {
      config: { auth: 'root', permission: 'analytics:read', apps: 'handler' },
      schema: {
        tags: ['analytics'],
        summary: 'Security and operations series per bucket: attestation outcomes (with what monitor-only let through), leak reports, anomalies, webhook deliveries',
        description:
          'Counted in the database from the rows those features keep (docs/api.md "Usage overview series" says which time each is counted at). The same granularity and window rules as /v1/analytics/verifications. Without appId: every app (a root key for every app only).',
        querystring: Type.Object({ ...Window, appId: Type.Optional(AppId) }, { additionalProperties: false }),
        response: { 200: EventSeriesView, ...ERROR_RESPONSES },
      },
    },
    async (request) => queryEventSeries(kw, request.query, { authorize: (appId) => assertAppAccess(request.caller!, appId) }),
  );
}
