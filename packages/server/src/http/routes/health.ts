import { Type } from '@sinclair/typebox';
import type { Keyward } from '../../keyward.js';
import { ProblemSchema } from '../schemas.js';
import type { Server } from '../types.js';
import { sendProblem } from '../problem.js';
import { isKeywardError } from '../../errors/keyward-error.js';

export function healthRoutes(server: Server, kw: Pick<Keyward, 'metrics' | 'ready'>): void {
  server.get(
    '/healthz',
    { config: { auth: 'public' }, schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  server.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the store and, when configured, Redis answer (503 NOT_READY lists each failing one as /dependencies/<name>)',
        response: { 200: Type.Object({ status: Type.Literal('ready'), store: Type.String(), redis: Type.Optional(Type.Literal('ready')) }), 503: ProblemSchema },
      },
    },
    async (_request, reply) => {
      try {
        return { status: 'ready' as const, ...(await kw.ready()) };
      } catch (err) {
        if (isKeywardError(err) && err.code === 'NOT_READY') return sendProblem(reply, err.code, err.detail, err.errors);
        reply.request.log.error({ err, requestId: reply.request.id }, 'readiness check failed');
        return sendProblem(reply, 'NOT_READY', 'the readiness check failed');
      }
    },
  );

  server.get(
    '/metrics',
    { config: { auth: 'root', permission: 'metrics:read' }, schema: { tags: ['operations'], summary: 'Prometheus metrics (needs a root key: bearer_token in the scrape config)' } },
    async (_request, reply) => reply.type(kw.metrics.registry.contentType).send(await kw.metrics.registry.metrics()),
  );
}
