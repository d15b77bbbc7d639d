import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import { requestIdFrom } from '../lib/ids.js';
import { readTls, watchTls, type TlsFiles } from '../lib/tls.js';
import type { Keyward } from '../keyward.js';
import { authenticate, authorizeRoute, routeDeclarationError, type RouteAuth } from './auth.js';
import { refuseKeysInUrl } from './key-in-url.js';
import { mayHoldKey } from '../credentials/extract.js';
import { createVerifyFastPath, type VerifyFastPath } from './verify-fast-path.js';
import { errorHandler, sendProblem } from './problem.js';
import { finishOpenApi } from './openapi.js';
import { MethodIndex } from './allow.js';
import { docsRoutes } from './docs-page.js';
import { Cors } from './cors.js';
import { AppCorsOrigins } from '../apps/cors-origins.js';
import { isId } from '../lib/ids.js';
import { endRequestTrace, startRequestTrace, type RequestTrace } from '../observability/tracing.js';
import { clientErrorHandler, depthGuardedJsonParser, frameworkErrors } from './framework-errors.js';
import { appRoutes, pinRoutes } from './routes/apps.js';
import { analyticsRoutes } from './routes/analytics.js';
import { anomalyRoutes } from './routes/anomalies.js';
import { consoleRoutes } from './routes/console.js';
import { dashboardRoutes } from './dashboard.js';
import { auditRoutes } from './routes/audit.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { secretRoutes } from './routes/secrets.js';
import { sessionRoutes } from './routes/sessions.js';
import { tokenRoutes } from './routes/tokens.js';
import { deviceRoutes } from './routes/devices.js';
import { attestationRoutes } from './routes/attestation.js';
import { verifyAnyRoutes } from './routes/verify-any.js';
import { verifyRoutes } from './routes/verify.js';
import { rootKeyRoutes } from './routes/root-keys.js';
import { identityRoutes } from './routes/identities.js';
import { keyAccessRoutes } from './routes/key-access.js';
import { keyLimitRoutes } from './routes/key-limits.js';
import { policyRoutes } from './routes/policy.js';
import { leakRoutes } from './routes/leaks.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { CompiledAccessMap } from '../policy/evaluate.js';
import type { Server } from './types.js';
import type { Permission } from '../rootkeys/permissions.js';

export interface BuildServerOptions {
  /** The built dashboard to serve at `/` (default: packages/server/dashboard/ next to this package, when built). */
  readonly dashboardDir?: string;
  /** Serve HTTPS with this certificate and key (reloaded when the files change). */
  readonly tls?: TlsFiles;
  /** Extra route groups (later features register theirs through this). */
  readonly plugins?: ReadonlyArray<(server: Server, kw: Keyward) => void | Promise<void>>;
  readonly logger?: FastifyServerOptions['loggerInstance'];
  /** How often the apps' CORS origins are re-read from the store, ms (default 5000; 0: only at start and after this server's app changes). */
  readonly corsRefreshMs?: number;
  /** Serve `POST /v1/keys/verify` through its lean path (default true; false sends it through Fastify, for the parity test). */
  readonly verifyFastPath?: boolean;
  /** The access map `GET /v1/keys/{keyId}/access`, `GET /v1/policy` and `POST /v1/policy/explain` evaluate (`keyward start --policy`), or a getter of the current one (reloading). */
  readonly accessMap?: CompiledAccessMap | (() => CompiledAccessMap);
}

const AUTH_VALUES: readonly RouteAuth[] = ['public', 'root', 'root-or-secret'];

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its auth declaration (for docs and the inventory test). */
    routeTable: ReadonlyArray<{ readonly method: string; readonly url: string; readonly auth: RouteAuth; readonly permission?: Permission }>;
  }
  interface FastifyRequest {
    /** The request's span (observability/tracing.ts). */
    trace?: RequestTrace;
  }
}

/**
 * The HTTP adapter. Builds nothing but routing: every service comes from `kw`, built once.
 */
export async function buildServer(kw: Keyward, options: BuildServerOptions = {}): Promise<Server> {
  const https = options.tls ? { ...readTls(options.tls), ...(options.tls.requestClientCert ? { requestCert: true, rejectUnauthorized: false } : {}) } : undefined;
  // Our own server factory so the verify fast path sees each request first (it declines all but
  // one shape of request). Timeouts are set as Fastify sets them on the servers it creates.
  let fastPath: VerifyFastPath | undefined;
  const server = Fastify({
    serverFactory: (fastifyHandler, opts) => {
      const handler = (req: IncomingMessage, res: ServerResponse) => {
        if (fastPath?.handle(req, res)) return;
        fastifyHandler(req, res);
      };
      const created = https ? createHttpsServer(https, handler) : createHttpServer(handler);
      created.keepAliveTimeout = Number(opts.keepAliveTimeout ?? 72_000);
      created.requestTimeout = Number(opts.requestTimeout ?? 0);
      created.setTimeout(Number(opts.connectionTimeout ?? 0));
      return created;
    },
    loggerInstance: options.logger ?? kw.logger,
    bodyLimit: kw.config.bodyLimitBytes,
    requestTimeout: kw.config.requestTimeoutMs,
    routerOptions: { maxParamLength: 200 },
    // A valid incoming X-Request-Id is kept, so one id follows a request across hops.
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    // No pino child per request (a measurable share of a small route's cost): log lines carry
    // `requestId` explicitly instead (the field the gateway logs too).
    childLoggerFactory: (logger) => logger,
    requestIdHeader: false,
    // One log line per request is written in onResponse, with secrets masked.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Router and parser errors Fastify answers itself, and requests Node cannot parse: problem+json
    // that never echoes the URL (http/framework-errors.ts).
    frameworkErrors,
    clientErrorHandler,
    ajv: {
      // Unknown fields are an error (additionalProperties: false), never silently removed;
      // and no type coercion: "true" is not a boolean, "12" is not a number.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Deny by default: a route without an explicit auth declaration is a start-up error.
  const routeTable: { method: string; url: string; auth: RouteAuth; permission?: Permission }[] = [];
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyward API',
        version: '0.1.0',
        description: 'Self-hosted security layer for the APIs behind mobile apps. Errors are RFC 9457 problem+json with a stable `code` (docs/errors.md).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } } },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transformObject: (documents) => finishOpenApi((documents as { openapiObject: Record<string, unknown> }).openapiObject, (method, url) => routeTable.find((r) => r.method === method && r.url === url)),
  });

  // CORS: the config's allow-list (KEYWARD_CORS_ORIGINS) plus the origins of the app an answer
  // belongs to (the path's app, else the caller's), or of any app when none is known yet.
  const appOrigins = new AppCorsOrigins(kw.store);
  await appOrigins.refresh();
  const corsReadFailed = (err: unknown) => kw.logger.error({ err }, 'reading the apps\' CORS origins failed; keeping the previous ones');
  appOrigins.start(options.corsRefreshMs ?? kw.config.appCacheTtlMs, corsReadFailed);
  appOrigins.follow(kw.feed, corsReadFailed); // an app changed here or on another node
  server.addHook('onClose', async () => appOrigins.stop());
  const configOrigins = kw.config.corsOrigins;
  const cors = new Cors({
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    origins: (appId) => {
      const apps = appId === undefined ? appOrigins.any() : appOrigins.forApp(appId);
      return apps.length === 0 ? configOrigins : configOrigins.length === 0 ? apps : [...configOrigins, ...apps];
    },
  });

  server.decorate('routeTable', routeTable);
  const methods = new MethodIndex();
  server.addHook('onRoute', (route) => {
    for (const m of [route.method].flat()) methods.add(String(m), route.url);
    if (route.url === '/openapi.json' || route.url === '/' || route.url.startsWith('/assets/') || route.url.startsWith('/docs') || route.method === 'HEAD') return;
    const declared = (route.config ?? {}) as { auth?: RouteAuth; permission?: Permission };
    for (const m of [route.method].flat()) routeTable.push({ method: String(m), url: route.url, auth: declared.auth as RouteAuth, ...(declared.permission ? { permission: declared.permission } : {}) });
    const auth = (route.config as { auth?: RouteAuth } | undefined)?.auth;
    if (!auth || !AUTH_VALUES.includes(auth)) throw new Error(`route ${String(route.method)} ${route.url} declares no auth; every route must`);
    const wrong = routeDeclarationError((route.config ?? {}) as Record<string, unknown>);
    if (wrong) throw new Error(`route ${String(route.method)} ${route.url} ${wrong}`);
  });

  // One SERVER span per request when an OpenTelemetry SDK is registered (a no-op otherwise).
  server.addHook('onRequest', (request, _reply, done) => {
    request.trace = startRequestTrace(request.method, request.headers, { 'http.request.method': request.method, 'keyward.process': 'api', 'keyward.request_id': String(request.id) });
    done();
  });
  server.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
    if (!mayHoldKey(request.raw.url ?? '')) return done();
    refuseKeysInUrl(kw.credentials, request).then(() => done(), done);
  });

  // A POST without a body validates as `{}`: optional bodies work, required fields are named.
  server.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD') request.body = {};
  });

  server.addHook('preHandler', async (request) => {
    const auth = request.routeOptions.config.auth;
    if (auth === 'public' || request.is404) return;
    // No declaration reaching here means the route was added in a way the onRoute guard missed: deny.
    request.caller = await authenticate(kw, request, auth === 'root-or-secret' ? 'root-or-secret' : 'root');
    authorizeRoute(request.caller, request.routeOptions.config, request.params);
  });

  server.addHook('onSend', (request, reply, payload, done) => {
    const origin = request.headers.origin;
    if (origin === undefined || Cors.isPreflight(request.method, request.headers)) return done(null, payload);
    const appId = (request.params as { appId?: unknown } | undefined)?.appId;
    // A root key belongs to no app: its answers are for the config's origins only ('' names no app).
    const callerApp = request.caller === undefined ? undefined : (request.caller.key.appId ?? '');
    reply.headers(cors.headers(origin, isId(appId, 'app') ? appId : callerApp));
    done(null, payload);
  });
  // An app's settings changed here: its CORS origins apply at once, not at the next refresh.
  server.addHook('onResponse', (request, reply, done) => {
    // Only the app routes themselves (a key mutation under /v1/apps/:appId/keys changes no origin;
    // changes made elsewhere arrive by the change feed, `follow` above).
    const url = request.routeOptions.url ?? '';
    if (request.method !== 'GET' && reply.statusCode < 300 && (url === '/v1/apps' || url === '/v1/apps/:appId')) void appOrigins.refresh().catch(() => {});
    done();
  });

  const logRequests = kw.logger.isLevelEnabled('info');
  server.addHook('onResponse', (request, reply, done) => {
    if (request.trace?.span.isRecording()) {
      if (request.routeOptions.url) request.trace.span.setAttribute('http.route', request.routeOptions.url);
      endRequestTrace(request.trace, reply.statusCode, reply.getHeader('x-keyward-code') as string | undefined);
    }
    kw.metrics.httpRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime);
    if (logRequests) request.log.info({ requestId: request.id, req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
    done();
  });

  // JSON only: a text/plain body is refused with 415 rather than reaching a handler as a string.
  server.removeContentTypeParser('text/plain');
  const defaultJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, depthGuardedJsonParser(defaultJson as never));
  server.setErrorHandler(errorHandler);
  // A path that exists under other methods is 405 with `Allow`, not 404.
  // A CORS preflight (no route answers OPTIONS) is answered here, before any authentication.
  server.setNotFoundHandler((request, reply) => {
    if (Cors.isPreflight(request.method, request.headers)) {
      const pre = cors.preflight(request.headers);
      return reply.code(pre.status).headers(pre.headers).send();
    }
    const allow = methods.allowed(pathOnly(request.raw.url ?? '/'));
    return allow.length > 0 ? sendProblem(reply, 'METHOD_NOT_ALLOWED', `${request.method} is not served here`, undefined, { allow: allow.join(', ') }) : sendProblem(reply, 'ROUTE_NOT_FOUND');
  });

  healthRoutes(server, kw);
  appRoutes(server, kw);
  pinRoutes(server, kw);
  keyRoutes(server, kw);
  verifyRoutes(server, kw);
  auditRoutes(server, kw);
  secretRoutes(server, kw);
  sessionRoutes(server, kw);
  tokenRoutes(server, kw);
  deviceRoutes(server, kw);
  attestationRoutes(server, kw);
  verifyAnyRoutes(server, kw);
  analyticsRoutes(server, kw);
  anomalyRoutes(server, kw);
  consoleRoutes(server, kw);
  rootKeyRoutes(server, kw);
  identityRoutes(server, kw);
  keyAccessRoutes(server, kw, options.accessMap);
  keyLimitRoutes(server, kw);
  policyRoutes(server, kw, options.accessMap);
  await leakRoutes(server, kw);
  webhookRoutes(server, kw);
  for (const plugin of options.plugins ?? []) await plugin(server, kw);

  if (options.tls) {
    const stop = watchTls(server.server as never, options.tls, (event, err) => (event === 'reload_failed' ? kw.logger.error({ err }, 'TLS reload failed; keeping the previous certificate') : kw.logger.info('TLS certificate reloaded')));
    server.addHook('onClose', async () => stop());
  }

  server.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => server.swagger());
  docsRoutes(server);
  dashboardRoutes(server, options.dashboardDir);
  // Once closing starts, the fast path declines and Fastify answers 503 (return503OnClosing).
  let closing = false;
  server.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  await server.ready();
  if (options.verifyFastPath !== false) fastPath = createVerifyFastPath(kw, server, () => closing);
  return server;
}

function pathOnly(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
