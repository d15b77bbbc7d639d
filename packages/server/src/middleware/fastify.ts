import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Caller } from '../credentials/caller.js';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { bodyCap, hasBody, hasSignature, PAYLOAD_TOO_LARGE_BODY, PAYLOAD_TOO_LARGE_HEADERS, readBody, type BodyCapOptions } from '../lib/body.js';
import { createGuard, type GuardOptions } from './core.js';

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

declare module 'fastify' {
  interface FastifyRequest {
    keyward?: Caller;
  }
}

/**
 * Fastify plugin (runs at preValidation, after the body is read, so signed bodies can be checked
 * against their Content-Digest): verifies every request (or those `protect` selects) in-process with the same
 * verifier and caches as the gateway; the caller is put on `request.keyward`. Revocations reach it
 * like any Keyward process: instantly when revoked through this process, within
 * `changePollIntervalMs` when revoked elsewhere on the same store (or via the invalidation bus).
 */
export function keywardFastify(options: GuardOptions & BodyCapOptions & { readonly protect?: (request: FastifyRequest) => boolean }): FastifyPluginAsync {
  const guard = createGuard(options);
  const maxBodyBytes = bodyCap(options);
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    app.decorateRequest('keyward', undefined);
    // Signed bodies: keep a copy of the raw bytes as Fastify parses them, to check Content-Digest.
    app.addHook('preParsing', async (request, reply, payload) => {
      if (!hasSignature(request.headers) || !hasBody(request.headers)) return payload;
      const read = await readBody(payload as unknown as IncomingMessage, maxBodyBytes);
      if (read === 'too_large') {
        // Answered here, as problem+json: a thrown error would reach the app's own error handler.
        await reply.code(413).headers(PAYLOAD_TOO_LARGE_HEADERS).send(PAYLOAD_TOO_LARGE_BODY);
        return payload;
      }
      rawBodies.set(request, read);
      return Readable.from([read]);
    });
    app.addHook('preValidation', async (request, reply) => {
      if (options.protect && !options.protect(request)) return;
      const body = rawBodies.get(request);
      const outcome = await guard({
        method: request.method,
        rawTarget: request.raw.url ?? '/',
        path: (request.raw.url ?? '/').split('?')[0]!,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        clientIp: request.ip,
        ...(body ? { body } : {}),
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
