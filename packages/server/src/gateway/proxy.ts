import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { readBody } from '../lib/body.js';
import { clientCertOf, readTls, watchTls } from '../lib/tls.js';
import type { Dispatcher } from 'undici';
import { CATALOGUE, type Code } from '../errors/catalogue.js';
import { problemResponse } from '../errors/problem.js';
import { newRequestId, requestIdFrom } from '../lib/ids.js';
import { endRequestTrace, propagate, startRequestTrace, type RequestTrace } from '../observability/tracing.js';
import type { Mutable } from '../lib/mutable.js';
import { maskKeys } from '../observability/logger.js';
import { BodyWatch, InFlight, type SlowReason } from './admission.js';
import { forwardingHeaders } from './forwarded.js';
import { resolveLimits, type GatewayOptions } from './options.js';
import { downstreamHeaders, guardRequest, upstreamHeaders } from './request-guard.js';
import { pathProblem } from './target.js';
import type { GatewayRequest } from './types.js';
import { guardResponseHeaders } from './response-headers.js';
import { answerPreflight, applyCors } from './cors.js';
import { BodyScrubber, type ScrubSet } from './scrub.js';
import { UpstreamPools } from './upstreams.js';
import type { GatewayObserver } from './metrics.js';

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

  async function proxy(ex: Exchange): Promise<void> {
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
    const view: Mutable<GatewayRequest> = { method, rawTarget, path, headers: req.headers, rawHeaders: req.rawHeaders, clientIp, requestId };
    const cert = clientCertOf(req).clientCertSha256;
    if (cert) view.clientCertSha256 = cert;
    if (options.policy.needsBody(view)) {
      // A signed body is part of the decision, so it is read first (and 100 Continue sent for it).
      ex.continueIfAsked();
      ex.watchBody(bodies);
      const read = await readBody(req, maxBody);
      if (ex.answered) return;
      if (read === 'too_large') return ex.refuse('PAYLOAD_TOO_LARGE', `signed bodies are limited to ${maxBody} bytes`);
      view.body = read;
    }
    const body = view.body;
    let decision;
    try {
      decision = await options.policy.decide(view);
    } catch (err) {
      options.onError?.(err, requestId);
      return ex.refuse('STORE_UNAVAILABLE', 'the gateway could not decide; failing closed');
    }
    ex.route = decision.route;
    if (!decision.allow) return ex.refuse(decision.code, decision.detail, decision.responseHeaders);
    if (decision.credentialId !== undefined && !ex.hold(perCredential, decision.credentialId)) return ex.refuse('TOO_MANY_IN_FLIGHT', 'too many requests in flight for this credential');

    const headers = upstreamHeaders(req, { keepCookies: options.keepCookies ?? false, decided: decision.upstreamHeaders });
    Object.assign(headers, decision.upstreamHeaders);
    forwardingHeaders(req, { clientIp, tls, peerTrusted: options.peerTrusted?.(req) ?? false }, headers);
    if (cert) headers['x-keyward-client-cert-sha256'] = cert;
    headers['x-request-id'] = requestId;
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
    target.pool.dispatch({ method: method as never, path: target.basePath + rawTarget, headers, body: body ?? (hasBody ? req : null) }, handler);
  }

  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    const ex = new Exchange(req, res, options.onRequest, expectsContinue, options.observer);
    proxy(ex).catch((err) => {
      if (ex.answered) return; // already answered (a slow body): the error is the aborted read
      options.onError?.(err, ex.requestId);
      if (!res.headersSent) ex.refuse('INTERNAL');
      else res.destroy();
    });
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

/**
 * Streams one upstream response to the client through undici's `dispatch` handler interface
 * rather than `request()` + `pipe()`: no intermediate Readable per response, chunks go straight to
 * `res.write` (about a sixth of a bare proxy's CPU per request, measured). Backpressure: a full
 * client socket pauses the upstream until it drains. A client that goes away aborts the upstream;
 * an upstream error before the headers becomes 502/504, after them a destroyed client socket
 * (the status line is already sent, so a truncated body is the only honest signal).
 */
class UpstreamResponse implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private resumeOnDrain: (() => void) | undefined;
  private abortedWith: Error | undefined;

  constructor(
    private readonly ex: Exchange,
    private readonly responseHeaders: Readonly<Record<string, string>> | undefined,
    private readonly reportError: GatewayOptions['onError'],
    private readonly scrub: ScrubSet | undefined,
    scrubBody: boolean,
    /** The upstream's name, for the latency metric. */
    private readonly upstreamName: string,
  ) {
    if (scrubBody && scrub !== undefined && !scrub.empty) this.body = new BodyScrubber(scrub);
  }

  /** Set on routes that inject a secret: the body streams through it (scrub.ts). */
  private readonly body: BodyScrubber | undefined;

  /** Stops the upstream request (now, or as soon as the pool starts it). */
  abort(err: Error): void {
    this.abortedWith = err;
    if (this.controller && !this.controller.aborted) this.controller.abort(err);
  }

  private readonly dispatchedMs = performance.now();

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedWith) return controller.abort(this.abortedWith);
  }

  /**
   * The client's connection closed (the exchange's one `close` listener calls this): unless the
   * response was fully written, the upstream request stops, now or as soon as the pool starts it.
   */
  clientClosed(): void {
    if (!this.ex.res.writableFinished) this.abort(new Error('the client went away'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational answers are the upstream's business, not forwarded
    this.ex.observer?.upstreamResponded(this.upstreamName, (performance.now() - this.dispatchedMs) / 1000);
    if (this.body !== undefined && !isIdentity(headers['content-encoding'])) {
      // A compressed body cannot be scanned for the secret: fail closed (502) rather than pass it on.
      controller.abort(new Error('the upstream answered a secret-injecting route with a content-encoded body, which cannot be scrubbed'));
      return;
    }
    const out = guardResponseHeaders(downstreamHeaders(headers), this.scrub);
    const extra = this.responseHeaders;
    for (const k in extra) out[k] = extra[k]!;
    out['x-request-id'] = this.ex.requestId;
    if (this.ex.cors !== undefined) applyCors(out, this.ex.cors);
    try {
      this.ex.res.writeHead(statusCode, out);
    } catch (err) {
      // A header value Node refuses to send (the upstream's fault): nothing reached the client yet.
      controller.abort(err as Error);
      return;
    }
    this.ex.done(statusCode);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.body !== undefined) {
      chunk = this.body.push(chunk);
      if (chunk.length === 0) return;
    }
    if (this.ex.res.write(chunk)) return;
    controller.pause();
    this.resumeOnDrain ??= () => this.controller?.resume();
    this.ex.res.once('drain', this.resumeOnDrain);
  }

  onResponseEnd(): void {
    const rest = this.body?.end();
    if (rest !== undefined) this.ex.res.end(rest);
    else this.ex.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const res = this.ex.res;
    if (res.destroyed || this.ex.answered) return; // the client left first, or the gateway already answered (slow body)
    this.reportError?.(err, this.ex.requestId);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const code = isTimeout(err) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
    this.ex.refuse(code, code === 'UPSTREAM_TIMEOUT' ? 'the upstream did not answer in time' : 'the upstream could not be reached');
  }
}

type RequestLog = NonNullable<GatewayOptions['onRequest']>;

/**
 * One client request's bookkeeping. A class rather than closures made per request: the closures'
 * allocation (and tsx's name-keeping wrapper around each) showed on the gateway's profile.
 */
class Exchange {
  /** A valid incoming X-Request-Id is kept (one id across hops, as the admin API does); else a new one. */
  readonly requestId: string;
  /** The request's span (a no-op one without an OpenTelemetry SDK) and the traceparent the upstream gets. */
  readonly trace: RequestTrace;
  private readonly startedMs = performance.now();
  private logged = false;
  /** True once the gateway itself answered with a problem. */
  answered = false;
  upstream: UpstreamResponse | undefined;
  /** CORS headers for this request's answers (a browser's request to a gateway with CORS on). */
  cors: Record<string, string> | undefined;
  /** The matched resource's path pattern, once the decision named one (metrics). */
  route: string | undefined;
  private continued = false;
  /** Slots held, as pairs: an InFlight, then its key (no object per hold on the hot path). */
  private held: (InFlight | string)[] | undefined;
  private stopWatch: (() => void) | undefined;
  private closeHooked = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly onRequest: RequestLog | undefined,
    /** The client sent `Expect: 100-continue` and waits before sending its body. */
    private readonly expectsContinue: boolean,
    readonly observer: GatewayObserver | undefined,
  ) {
    this.requestId = req.headers['x-request-id'] === undefined ? newRequestId() : requestIdFrom(req.headers['x-request-id']);
    this.trace = startRequestTrace(req.method ?? 'GET', req.headers, { 'http.request.method': req.method ?? '', 'keyward.process': 'gateway', 'keyward.request_id': this.requestId });
    if (observer !== undefined) {
      observer.started();
      res.once('close', () => observer.ended());
    }
  }

  /** Takes an in-flight slot under `key`, given back when the exchange ends; false when none is free. */
  hold(slots: InFlight, key: string): boolean {
    if (!slots.tryAcquire(key)) return false;
    this.hookClose();
    (this.held ??= []).push(slots, key);
    return true;
  }

  /**
   * One `close` listener per exchange, for everything that ends with the client connection: the
   * held slots, the body watch and the upstream request (one plain listener rather than a `once`
   * wrapper per concern: each showed on the gateway's profile).
   */
  private hookClose(): void {
    if (this.closeHooked) return;
    this.closeHooked = true;
    this.res.on('close', () => this.closed());
  }

  private closed(): void {
    const held = this.held;
    if (held !== undefined) for (let i = 0; i < held.length; i += 2) (held[i] as InFlight).release(held[i + 1] as string);
    this.held = undefined;
    this.stopWatch?.();
    this.upstream?.clientClosed();
  }

  /** Sends 100 Continue, once, if the client asked for it: called only when its body will be read. */
  continueIfAsked(): void {
    if (!this.expectsContinue || this.continued) return;
    this.continued = true;
    this.res.writeContinue();
  }

  /** Holds the body to the minimum rate and deadline; a slow one gets 408 and the upstream is aborted. */
  watchBody(bodies: BodyWatch): void {
    if (this.stopWatch) return;
    this.stopWatch = bodies.watch(this.req, (reason) => this.tooSlow(reason));
    this.hookClose();
  }

  private tooSlow(reason: SlowReason): void {
    const aborted = new Error(`request body ${reason}`);
    if (this.res.headersSent || this.answered) {
      this.upstream?.abort(aborted);
      this.res.destroy();
      return;
    }
    // Answered before the upstream is aborted, so the abort's error finds the exchange settled.
    this.answered = true;
    sendProblem(this.res, 'REQUEST_TIMEOUT', this.requestId, reason === 'body_deadline' ? 'the request body took too long' : 'the request body arrived too slowly', CLOSE);
    this.done(408, 'REQUEST_TIMEOUT');
    this.upstream?.abort(aborted);
    // The rest of the body is not waited for: the connection goes once the answer is out.
    const socket = this.res.socket ?? this.req.socket;
    this.res.once('finish', () => socket?.destroy());
  }

  /** Reports the request once, with its status and (for refusals) its code. Keys in the path are masked. */
  done(status: number, code?: Code): void {
    if (this.logged) return;
    this.logged = true;
    if (this.trace.span.isRecording()) this.res.once('close', () => endRequestTrace(this.trace, status, code));
    this.observer?.answered(this.route, status, code);
    if (!this.onRequest) return;
    const info: Parameters<RequestLog>[0] & { code?: Code } = { requestId: this.requestId, method: this.req.method ?? '', path: maskKeys(pathOf(this.req.url ?? '/')), status, ms: performance.now() - this.startedMs };
    if (code) info.code = code;
    this.onRequest(info);
  }

  /**
   * Answers with a problem; the upstream never sees the request. A client waiting for
   * 100 Continue never gets it: the connection closes after the answer, so its body is not read.
   */
  refuse(code: Code, detail?: string, headers?: Readonly<Record<string, string>>): void {
    this.answered = true;
    const unread = this.expectsContinue && !this.continued;
    if (this.cors !== undefined) headers = { ...headers, ...this.cors };
    sendProblem(this.res, code, this.requestId, detail, unread ? { ...headers, ...CLOSE } : headers);
    this.done(CATALOGUE[code].status, code);
    if (!unread) this.req.resume();
  }
}

const CLOSE: Readonly<Record<string, string>> = { connection: 'close' };

/**
 * On a route that injects a secret the response body is scanned for it, which needs the bytes as
 * they are: identity encoding only (a gzip body would hide the secret), and no Range (a client
 * could fetch an echoed secret a few bytes at a time, each piece too short to recognise).
 */
function askForScannableBody(headers: Record<string, string | string[]>): void {
  headers['accept-encoding'] = 'identity';
  delete headers.range;
  delete headers['if-range'];
}

function isIdentity(encoding: string | string[] | undefined): boolean {
  if (encoding === undefined) return true;
  const v = (Array.isArray(encoding) ? encoding.join(',') : encoding).trim().toLowerCase();
  return v === '' || v === 'identity';
}

function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/**
 * Headers go in one writeHead call, never setHeader first: Node validates every header of a
 * response again when any was set early, which showed on the gateway's profile.
 */
function sendProblem(res: ServerResponse, code: Code, requestId: string, detail?: string, extra?: Readonly<Record<string, string>>): void {
  const answer = problemResponse(code, requestId, detail ? { detail, ...(extra ? { headers: extra } : {}) } : extra ? { headers: extra } : {});
  const headers: Record<string, string | number> = answer.headers;
  headers['content-length'] = Buffer.byteLength(answer.text);
  headers['cache-control'] = 'no-store';
  res.writeHead(answer.status, headers);
  res.end(answer.text);
}
