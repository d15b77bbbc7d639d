import { Type } from '@sinclair/typebox';
import { ANOMALY_RULES } from '../../anomaly/model.js';
import type { AnomalyRecord } from '../../anomaly/store.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { assertAppAccess } from '../auth.js';
import { AppId, ERROR_RESPONSES, Limit, parseLimit } from '../schemas.js';
import { anomalyView } from '../views.js';
import type { Server } from '../types.js';
import { actorOf } from './actor.js';

const AnomalyId = Type.String({ pattern: idPattern('anm'), description: 'Anomaly id, `anm_…`' });
const Rule = Type.Union([Type.Literal('traffic_spike'), Type.Literal('many_networks'), Type.Literal('verification_failures'), Type.Literal('key_in_url'), Type.Literal('new_user_agent')], { description: 'The rule that fired (docs/anomalies.md)' });
/** The schema lists every rule of the closed list, no more (checked when the module loads, so the two cannot drift). */
if (Rule.anyOf.length !== ANOMALY_RULES.length || !Rule.anyOf.every((r) => (ANOMALY_RULES as readonly string[]).includes(r.const))) throw new Error('http/routes/anomalies.ts: Rule is out of step with ANOMALY_RULES');
const Status = Type.Union([Type.Literal('open'), Type.Literal('dismissed'), Type.Literal('resolved')]);

const AnomalyView = Type.Object({
  id: Type.String(),
  rule: Rule,
  appId: Type.Union([Type.String(), Type.Null()]),
  entity: Type.String({ description: 'The credential id the rule watched (an app id for verification_failures)' }),
  credentialKind: Type.Union([Type.String(), Type.Null()]),
  detectedAt: Type.String({ format: 'date-time' }),
  detail: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]), { description: 'The numbers behind the decision: observed, usual, threshold' }),
  action: Type.Union([Type.Literal('alert'), Type.Literal('throttle'), Type.Literal('suspend')]),
  actionOutcome: Type.Union([Type.Literal('done'), Type.Literal('failed'), Type.Literal('not_applicable')]),
  status: Status,
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  closedBy: Type.Union([Type.String(), Type.Null()]),
});

const Query = Type.Object({ status: Type.Optional(Status), rule: Type.Optional(Rule), limit: Type.Optional(Limit), after: Type.Optional(Type.String({ maxLength: 64, description: 'The `next` of the previous page' })) }, { additionalProperties: false });
const PageView = Type.Object({ items: Type.Array(AnomalyView), next: Type.Optional(Type.String()) });

/** Anomaly detection's findings (anomaly/), newest first, and an operator's dismiss/resolve. */
export function anomalyRoutes(server: Server, kw: Pick<Keyward, 'anomalies'>): void {
  const list = async (appId: string | undefined, q: { status?: AnomalyRecord['status']; rule?: AnomalyRecord['rule']; limit?: string; after?: string }) => {
    const page = await kw.anomalies.list({ ...(appId ? { appId } : {}), ...(q.status ? { status: q.status } : {}), ...(q.rule ? { rule: q.rule } : {}) }, { limit: parseLimit(q.limit), ...(q.after ? { after: q.after } : {}) });
    return { items: page.items.map(anomalyView), ...(page.next ? { next: page.next } : {}) };
  };
  server.get(
    '/v1/apps/:appId/anomalies',
    {
      config: { auth: 'root', permission: 'anomalies:read', apps: 'param' },
      schema: { tags: ['anomalies'], summary: "An app's anomalies, newest first", params: Type.Object({ appId: AppId }), querystring: Query, response: { 200: PageView, ...ERROR_RESPONSES } },
    },
    async (request) => list(request.params.appId, request.query),
  );
  server.get(
    '/v1/anomalies',
    {
      config: { auth: 'root', permission: 'anomalies:read' },
      schema: { tags: ['anomalies'], summary: 'Every anomaly, across apps (including failure bursts no app could be named for), newest first', querystring: Query, response: { 200: PageView, ...ERROR_RESPONSES } },
    },
    async (request) => list(undefined, request.query),
  );
  server.get(
    '/v1/anomalies/:anomalyId',
    { config: { auth: 'root', permission: 'anomalies:read', apps: 'handler' }, schema: { tags: ['anomalies'], summary: 'One anomaly', params: Type.Object({ anomalyId: AnomalyId }), response: { 200: AnomalyView, ...ERROR_RESPONSES } } },
    async (request) => {
      const a = await kw.anomalies.get(request.params.anomalyId);
      if (!a) throw new KeywardError('NOT_FOUND', 'anomaly not found');
      assertAppAccess(request.caller!, a.appId);
      return anomalyView(a);
    },
  );
  for (const status of ['dismissed', 'resolved'] as const) {
    const verb = status === 'dismissed' ? 'dismiss' : 'resolve';
    server.post(
      `/v1/anomalies/:anomalyId/${verb}`,
      {
        config: { auth: 'root', permission: 'anomalies:write', apps: 'handler' },
        schema: {
          tags: ['anomalies'],
          summary: status === 'dismissed' ? 'Dismiss an open anomaly (a false alarm). Undoing its action (re-enabling a key) is a separate, audited change.' : 'Mark an open anomaly resolved (acted on)',
          params: Type.Object({ anomalyId: AnomalyId }),
          response: { 200: AnomalyView, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const a = await kw.anomalies.get(request.params.anomalyId);
        if (!a) throw new KeywardError('NOT_FOUND', 'anomaly not found');
        assertAppAccess(request.caller!, a.appId);
        const outcome = await kw.anomalies.close(a.id, status, actorOf(request));
        if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'anomaly not found');
        if (outcome === 'conflict') throw new KeywardError('CONFLICT', `the anomaly is already ${(await kw.anomalies.get(a.id))?.status ?? 'closed'}`);
        return anomalyView((await kw.anomalies.get(a.id))!);
      },
    );
  }
}
