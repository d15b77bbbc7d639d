import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Caller } from '../credentials/caller.js';
import { createGuard, type GuardOptions } from './core.js';

declare module 'fastify' {
  interface FastifyRequest {
    keyward?: Caller;
  }
}

/**
 * Fastify plugin: verifies every request (or those `protect` selects) in-process with the same
 * verifier and caches as the gateway; the caller is put on `request.keyward`. Revocations reach it
 * like any Keyward process: instantly when revoked through this process, within
 * `changePollIntervalMs` when revoked elsewhere on the same store (or via the invalidation bus).
 */
export function keywardFastify(options: GuardOptions & { readonly protect?: (request: FastifyRequest) => boolean }): FastifyPluginAsync {
  const guard = createGuard(options);
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    app.decorateRequest('keyward', undefined);
    app.addHook('onRequest', async (request, reply) => {
      if (options.protect && !options.protect(request)) return;
      const outcome = await guard({
        method: request.method,
        rawTarget: request.raw.url ?? '/',
        path: (request.raw.url ?? '/').split('?')[0]!,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        clientIp: request.ip,
      });
      if (!outcome.ok) return reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
      reply.headers(outcome.responseHeaders);
      request.keyward = outcome.caller;
    });
  };
  // Apply to the parent instance (fastify-plugin's skip-override, without the dependency).
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
