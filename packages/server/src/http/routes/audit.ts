import { Type } from '@sinclair/typebox';
import type { Keyward } from '../../keyward.js';
import { ERROR_RESPONSES, Limit, parseLimit } from '../schemas.js';
import { auditView } from '../views.js';
import type { Server } from '../types.js';

const AuditView = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  requestId: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

export function auditRoutes(server: Server, kw: Pick<Keyward, 'audit'>): void {
  server.get(
    '/v1/audit',
    {
      config: { auth: 'root', permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Page through the hash-chained audit log, oldest first',
        querystring: Type.Object(
          { after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Sequence number to start after' })), limit: Type.Optional(Limit), target: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AuditView), next: Type.Optional(Type.String()), head: Type.Object({ seq: Type.Integer(), hash: Type.String() }) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const limit = parseLimit(request.query.limit);
      const records = await kw.audit.list({
        limit,
        ...(request.query.after ? { afterSeq: Number(request.query.after) } : {}),
        ...(request.query.target ? { target: request.query.target } : {}),
      });
      const items = records.map(auditView);
      const last = records[records.length - 1];
      return { items, ...(records.length === limit && last ? { next: String(last.seq) } : {}), head: await kw.audit.head() };
    },
  );

  server.get(
    '/v1/audit/verify',
    {
      config: { auth: 'root', permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Walk the whole hash chain and compare its end with the stored head: edits, deletions, reordering and truncation are all found',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            records: Type.Integer({ description: 'Records checked' }),
            brokenAtSeq: Type.Optional(Type.Integer({ description: 'First sequence number that does not verify' })),
            problem: Type.Optional(Type.String({ description: 'HASH_MISMATCH, PREV_MISMATCH, SEQ_GAP or HEAD_MISMATCH' })),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      const r = await kw.audit.verify();
      return r.ok ? { ok: true, records: r.records } : { ok: false, records: r.records, brokenAtSeq: r.brokenAtSeq, problem: r.problem };
    },
  );
}
