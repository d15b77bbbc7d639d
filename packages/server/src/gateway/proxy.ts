import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { readBody } from '../lib/body.js';
import { clientCertOf, readTls, watchTls } from '../lib/tls.js';
import { type Code } from '../errors/catalogue.js';
import { problemResponse } from '../errors/problem.js';
import { newRequestId } from '../lib/ids.js';
import { propagate } from '../observability/tracing.js';
import type { Mutable } from '../lib/mutable.js';
import { BodyWatch, InFlight } from './admission.js';
import { forwardingHeaders } from './forwarded.js';
import { resolveLimits, type GatewayOptions } from './options.js';
import { guardRequest, upstreamHeaders } from './request-guard.js';
import { pathProblem } from './target.js';
import type { GatewayDecision, GatewayRequest } from './types.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import { answerPreflight } from './cors.js';
import { UpstreamPools } from './upstreams.js';
import { askForScannableBody, Exchange, pathOf, UpstreamResponse } from './exchange.js';

export type { GatewayOptions } from './options.js';

/** Never forwarded, whatever the map says: TRACE echoes the request (credentials included) back, CONNECT opens a tunnel past the map. */
const REFUSED_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);
/**
 * RFC 9110 §15.5.6: a 405 lists the methods the target has. The gateway forwards every other
 * method; which of them the upstream serves is the upstream's to say.
 */
const ALLOW: Readonly<Record<string, string>> = { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' };

/**
 * The reverse proxy. Its own code is framing and streaming only; every allow/deny comes from
 * `policy.decide`. Guarantees:
 *  - refused requests (framing, key in URL, auth, policy, limits) never reach the upstream;
 *  - one client request → at most one upstream request (no retries: a non-idempotent call must not
 *    run twice);
 *  - unsigned bodies and all responses stream without being buffered whole;
 *  - upstream down → 502 UPSTREAM_UNAVAILABLE, slow → 504 UPSTREAM_TIMEOUT, never a hang.
 */
export function createGateway(options: GatewayOptions): { server: Server; handler: (req: IncomingMessage, res: ServerResponse) => void; close(): Promise<void> } {
  const limits = resolveLimits(options);
  const upstreams = new UpstreamPools(options.upstreamUrl, { connections: limits.upstreamConnections, connectTimeoutMs: limits.connectTimeoutMs, headersTimeoutMs: limits.headersTimeoutMs, bodyTimeoutMs: limits.bodyTimeoutMs });
  const maxBody = limits.maxBufferedBodyBytes;
  const bodies = new BodyWatch({ minBytesPerSecond: limits.bodyMinBytesPerSecond, rateWindowMs: limits.bodyRateWindowMs, deadlineMs: limits.bodyDeadlineMs });
  const perClient = new InFlight(limits.maxInFlightPerClient);
  const perCredential = new InFlight(limits.maxInFlightPerCredential);
  const tls = Boolean(options.tls);

  /**
   * One request, in the order of its checks. Synchronous from the request event to the upstream
   * dispatch when the decision needed no I/O (lib/maybe-promise.ts): no promise and no microtask
   * turn per request; a signed body or a decision that waits on the store continues in `then`.
   */
  function proxy(ex: Exchange): MaybePromise<void> {
    const { req, requestId } = ex;
    const method = req.method ?? 'GET';
    if (REFUSED_METHODS.has(method)) return ex.refuse('METHOD_NOT_ALLOWED', `${method} is never forwarded`, ALLOW);
    const guard = guardRequest(req);
    if (!guard.ok) return ex.refuse(guard.code, guard.detail);
    const rawTarget = req.url ?? '/';
    if (!rawTarget.startsWith('/')) return ex.refuse('BAD_REQUEST', 'absolute-form and authority-form targets are not proxied');
    const path = pathOf(rawTarget);
    // Before the map sees the path: the map matches, and the upstream receives, these exact bytes.
    const problem = pathProblem(path);
    if (problem) return ex.refuse('PATH_NOT_CANONICAL', `path refused (${problem})`);
    if (options.cors !== undefined) {
      if (answerPreflight(options.cors, req, ex.res, requestId)) return ex.done(204);
      if (req.headers.origin !== undefined) ex.cors = options.cors.headers(req.headers.origin);
    }
    const clientIp = options.clientIp(req);
    if (!ex.hold(perClient, clientIp)) return ex.refuse('TOO_MANY_IN_FLIGHT', 'too many requests in flight from this address');
    const view: Mutable<GatewayRequest> = { method, rawTarget, path, headers: req.headers, rawHeaders: req.rawHeaders, clientIp, requestId, connection: req.socket };
    const cert = clientCertOf(req).clientCertSha256;
    if (cert) view.clientCertSha256 = cert;
    return options.policy.needsBody(view) ? readThenDecide(ex, view) : decide(ex, view);
  }

  /** A signed body is part of the decision, so it is read first (and 100 Continue sent for it). */
  async function readThenDecide(ex: Exchange, view: Mutable<GatewayRequest>): Promise<void> {
    ex.continueIfAsked();
    ex.watchBody(bodies);
    const read = await readBody(ex.req, maxBody);
    if (ex.answered) return;
    if (ex.clientGone) return ex.abandon();
    if (read === 'too_large') return ex.refuse('PAYLOAD_TOO_LARGE', `signed bodies are limited to ${maxBody} bytes`);
    view.body = read;
    return decide(ex, view);
  }

  /** The policy's decision; a throw or a rejection means a broken dependency: fail closed. */
  function decide(ex: Exchange, view: GatewayRequest): MaybePromise<void> {
    let decision: MaybePromise<GatewayDecision>;
    try {
      decision = options.policy.decide(view);
    } catch (err) {
      return undecided(ex, err);
    }
    if (decision instanceof Promise) return decision.then((d) => forward(ex, view, d), (err: unknown) => undecided(ex, err));
    forward(ex, view, decision);
  }

  function undecided(ex: Exchange, err: unknown): void {
    options.onError?.(err, ex.requestId);
    ex.refuse('STORE_UNAVAILABLE', 'the gateway could not decide; failing closed');
  }

  function forward(ex: Exchange, view: GatewayRequest, decision: GatewayDecision): void {
    const { req } = ex;
    ex.route = decision.route;
    // The decision may have waited on the store: a client that left meanwhile gets nothing forwarded.
    if (ex.clientGone) return ex.abandon();
    if (!decision.allow) return ex.refuse(decision.code, decision.detail, decision.responseHeaders);
    if (decision.credentialId !== undefined && !ex.hold(perCredential, decision.credentialId)) return ex.refuse('TOO_MANY_IN_FLIGHT', 'too many requests in flight for this credential');

    const body = view.body;
    const headers = upstreamHeaders(req, { keepCookies: options.keepCookies ?? false, decided: decision.upstreamHeaders });
    Object.assign(headers, decision.upstreamHeaders);
    forwardingHeaders(req, { clientIp: view.clientIp, tls, peerTrusted: options.peerTrusted?.(req) ?? false }, headers);
    if (view.clientCertSha256) headers['x-keyward-client-cert-sha256'] = view.clientCertSha256;
    headers['x-request-id'] = ex.requestId;
    propagate(ex.trace, headers);
    if (decision.scrubBody) askForScannableBody(headers);
    const hasBody = body !== undefined ? body.length > 0 : req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    if (hasBody && body === undefined) {
      ex.continueIfAsked();
      ex.watchBody(bodies);
    }
    // The client's target byte for byte after the upstream's own path: what the map matched is what the upstream gets.
    const target = upstreams.target(decision.upstream);
    const handler = new UpstreamResponse(ex, decision.responseHeaders, options.onError, decision.scrub, decision.scrubBody === true, target.name);
    ex.upstream = handler;
    target.pool.dispatch({ method: view.method as never, path: target.basePath + view.rawTarget, headers, body: body ?? (hasBody ? req : null) }, handler);
  }

  /** What no step handled: an error before any answer is a 500, after the status line a cut connection. */
  function failed(ex: Exchange, err: unknown): void {
    if (ex.answered) return; // already answered (a slow body): the error is the aborted read
    if (ex.clientGone) return ex.abandon(); // the client left mid-body: the error is its aborted read
    options.onError?.(err, ex.requestId);
    if (!ex.res.headersSent) ex.refuse('INTERNAL');
    else ex.res.destroy();
  }

  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    const ex = new Exchange(req, res, options.onRequest, expectsContinue, options.observer);
    try {
      const pending = proxy(ex);
      if (pending instanceof Promise) pending.catch((err: unknown) => failed(ex, err));
    } catch (err) {
      failed(ex, err);
    }
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => handle(req, res, false);

  const serverOptions = {
    maxHeaderSize: limits.maxHeaderBytes,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    headersTimeout: limits.clientHeadersTimeoutMs,
    requestTimeout: limits.clientRequestTimeoutMs,
    // Node checks both timeouts on this interval (30 s by default): a quarter of the header
    // timeout keeps a 408 close to when it is due.
    connectionsCheckingInterval: Math.max(25, Math.min(30_000, Math.floor(limits.clientHeadersTimeoutMs / 4))),
  };
  let stopWatching = () => {};
  let server: Server;
  if (options.tls) {
    const https = createHttpsServer({ ...serverOptions, ...readTls(options.tls), ...(options.tls.requestClientCert ? { requestCert: true, rejectUnauthorized: false } : {}) }, handler);
    stopWatching = watchTls(https, options.tls, (event, err) => (event === 'reload_failed' ? options.onError?.(err, 'tls-reload') : undefined));
    server = https as unknown as Server;
  } else {
    server = createServer(serverOptions, handler);
  }
  // With this listener Node does not answer `Expect: 100-continue` itself: the gateway sends
  // 100 Continue only once the request is allowed, so a refused request's body is never sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
  // CONNECT never reaches the request handler in Node; answer it rather than drop the socket.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => rawProblem(socket, 'METHOD_NOT_ALLOWED', 'Method Not Allowed', ALLOW));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A timeout while a response is under way (the request timeout, mid-body) cannot be answered
    // on the raw socket: the response owns it.
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') return rawProblem(socket, 'HEADERS_TOO_LARGE', 'Request Header Fields Too Large');
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return rawProblem(socket, 'REQUEST_TIMEOUT', 'Request Timeout');
    rawProblem(socket, 'BAD_REQUEST', 'Bad Request');
  });
  return {
    server,
    handler,
    async close() {
      stopWatching();
      bodies.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstreams.close();
    },
  };
}

/** A problem written straight to a socket Node will not give a response object for; the connection then closes. */
function rawProblem(socket: Duplex, code: Code, reason: string, extra?: Readonly<Record<string, string>>): void {
  const answer = problemResponse(code, newRequestId(), extra ? { headers: extra } : {});
  const headers = Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${answer.status} ${reason}\r\n${headers}content-length: ${Buffer.byteLength(answer.text)}\r\nconnection: close\r\n\r\n${answer.text}`);
}
