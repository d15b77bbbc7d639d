import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { CONSOLE_COOKIE, CSRF_HEADER, cookieValue, csrfTokenFor, sessionCookie } from '../../console/model.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { KeyRecord } from '../../keys/model.js';
import type { Keyward } from '../../keyward.js';
import { powerOf } from '../../rootkeys/permissions.js';
import { ERROR_RESPONSES, iso } from '../schemas.js';
import type { Server } from '../types.js';

const SessionView = Type.Object({
  csrfToken: Type.String({ description: `Send it as ${CSRF_HEADER} on every request that changes something` }),
  expiresAt: Type.String({ format: 'date-time' }),
  rootKey: Type.Object({ id: Type.String(), name: Type.String(), permissions: Type.Array(Type.String()), appIds: Type.Union([Type.Array(Type.String()), Type.Null()]) }),
});

function view(csrfToken: string, expiresAtMs: number, key: KeyRecord) {
  const power = powerOf(key);
  return { csrfToken, expiresAt: iso(expiresAtMs), rootKey: { id: key.id, name: key.name, permissions: [...power.permissions], appIds: power.appIds ? [...power.appIds] : null } };
}

const secure = (request: FastifyRequest) => request.protocol === 'https';

/**
 * Dashboard sign-in (console/). Public routes that handle their own credential: the root key in
 * the body once, then only the cookie. Every other admin route accepts the cookie in place of
 * `Authorization` (http/auth.ts), with the CSRF header on changes.
 */
export function consoleRoutes(server: Server, kw: Pick<Keyward, 'console'>): void {
  server.post(
    '/v1/console/session',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['dashboard'],
        summary: 'Sign in to the dashboard: exchange a root key for a short-lived HttpOnly, SameSite=Strict session cookie',
        body: Type.Object({ rootKey: Type.String({ minLength: 1, maxLength: 256, description: 'A root key; never stored by the browser' }) }, { additionalProperties: false }),
        response: { 201: SessionView, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const signed = await kw.console.signIn(request.body.rootKey, request.ip, String(request.id));
      const maxAge = Math.round((signed.session.expiresAtMs - signed.session.createdAtMs) / 1000);
      reply.header('set-cookie', sessionCookie(signed.secret, maxAge, secure(request)));
      return reply.code(201).send(view(signed.csrfToken, signed.session.expiresAtMs, signed.key));
    },
  );

  server.get(
    '/v1/console/session',
    { config: { auth: 'public' }, schema: { tags: ['dashboard'], summary: 'The current dashboard session (after a reload): its CSRF token, expiry and root key', response: { 200: SessionView, ...ERROR_RESPONSES } } },
    async (request) => {
      const cookie = cookieValue(request.headers.cookie, CONSOLE_COOKIE);
      if (cookie === undefined) throw new KeywardError('UNAUTHORIZED', 'not signed in', { headers: { 'www-authenticate': 'Bearer' } });
      const { session, decision } = await kw.console.resolve(cookie, request.ip, { required: false, presented: undefined });
      return view(csrfTokenFor(cookie), session.expiresAtMs, decision.key);
    },
  );

  server.delete(
    '/v1/console/session',
    { config: { auth: 'public' }, schema: { tags: ['dashboard'], summary: 'Sign out: ends the session on the server and clears the cookie', response: { 204: Type.Null(), ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const cookie = cookieValue(request.headers.cookie, CONSOLE_COOKIE);
      if (cookie !== undefined) {
        const csrf = request.headers[CSRF_HEADER];
        // A cross-site page cannot sign a user out either: the CSRF header is required here too.
        await kw.console.resolve(cookie, request.ip, { required: true, presented: typeof csrf === 'string' ? csrf : undefined }).catch((err: unknown) => {
          if (err instanceof KeywardError && err.code === 'FORBIDDEN') throw err;
        });
        await kw.console.signOut(cookie, String(request.id));
      }
      reply.header('set-cookie', sessionCookie('', 0, secure(request)));
      return reply.code(204).send(null);
    },
  );
}
