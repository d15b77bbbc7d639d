import { Type } from '@sinclair/typebox';
import { queryVerificationAnalytics } from '../../analytics/service.js';
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

export function analyticsRoutes(server: Server, kw: Pick<Keyward, 'analytics' | 'apps' | 'keys' | 'now'>): void {
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
}
