/*
 * One client request through the gateway: its bookkeeping (Exchange) and the streaming of the
 * upstream's answer back to it (UpstreamResponse). Split from proxy.ts, which owns the servers and
 * the order of checks.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { CATALOGUE, type Code } from '../errors/catalogue.js';
import { problemResponse } from '../errors/problem.js';
import { newRequestId, requestIdFrom } from '../lib/ids.js';
import { endRequestTrace, startRequestTrace, type RequestTrace } from '../observability/tracing.js';
import { maskKeys } from '../observability/logger.js';
import type { BodyWatch, InFlight, SlowReason } from './admission.js';
import type { GatewayOptions } from './options.js';
import { downstreamHeaders } from './request-guard.js';
import { guardResponseHeaders } from './response-headers.js';
import { applyCors } from './cors.js';
import { BodyScrubber, type ScrubSet } from './scrub.js';
import type { GatewayObserver } from './metrics.js';

/**
 * Streams one upstream response to the client through undici's `dispatch` handler interface
 * rather than `request()` + `pipe()`: no intermediate Readable per response, chunks go straight to
 * `res.write` (about a sixth of a bare proxy's CPU per request, measured). Backpressure: a full
 * client socket pauses the upstream until it drains. A client that goes away aborts the upstream;
 * an upstream error before the headers becomes 502/504, after them a destroyed client socket
 * (the status line is already sent, so a truncated body is the only honest signal).
 */
export class UpstreamResponse implements Dispatcher.DispatchHandler {
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
    // The clock is read only for what reports it (the latency metric).
    this.dispatchedMs = ex.observer !== undefined ? performance.now() : 0;
  }

  /** Set on routes that inject a secret: the body streams through it (scrub.ts). */
  private readonly body: BodyScrubber | undefined;

  /** Stops the upstream request (now, or as soon as the pool starts it). */
  abort(err: Error): void {
    this.abortedWith = err;
    if (this.controller && !this.controller.aborted) this.controller.abort(err);
  }

  private readonly dispatchedMs: number;

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
export class Exchange {
  /** A valid incoming X-Request-Id is kept (one id across hops, as the admin API does); else a new one. */
  readonly requestId: string;
  /** The request's span (a no-op one without an OpenTelemetry SDK) and the traceparent the upstream gets. */
  readonly trace: RequestTrace;
  /** When the request began, for the request log's duration (read only when there is a log). */
  private readonly startedMs: number;
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
  /** The client's connection closed before its answer was written (set by the one `close` listener). */
  private gone = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly onRequest: RequestLog | undefined,
    /** The client sent `Expect: 100-continue` and waits before sending its body. */
    private readonly expectsContinue: boolean,
    readonly observer: GatewayObserver | undefined,
  ) {
    this.startedMs = onRequest !== undefined ? performance.now() : 0;
    this.requestId = req.headers['x-request-id'] === undefined ? newRequestId() : requestIdFrom(req.headers['x-request-id']);
    this.trace = startRequestTrace(req.method ?? 'GET', req.headers, { 'http.request.method': req.method ?? '', 'keyward.process': 'gateway', 'keyward.request_id': this.requestId });
    if (observer !== undefined) {
      observer.started();
      this.hookClose(); // its `ended` is the one close listener's too
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
    this.observer?.ended();
    if (!this.res.writableFinished) this.gone = true;
    const held = this.held;
    if (held !== undefined) for (let i = 0; i < held.length; i += 2) (held[i] as InFlight).release(held[i + 1] as string);
    this.held = undefined;
    this.stopWatch?.();
    this.upstream?.clientClosed();
    // Logged now, not when some later step notices: an exchange the client left is reported once, as abandoned.
    if (this.gone) this.abandon();
  }

  /**
   * The client went away before its answer was written: nothing may be sent upstream for it any
   * more (a request the client abandoned must not still run, e.g. a payment it gave up on and
   * retried). The listener is in place before the exchange's first await (`hold` of the client
   * address slot), and `res.destroyed` covers a close Node reported without the listener.
   */
  get clientGone(): boolean {
    return this.gone || this.res.destroyed;
  }

  /** Records an exchange the client abandoned before the gateway answered (499, nginx's "client closed request"); nothing is written. */
  abandon(): void {
    this.done(CATALOGUE.CLIENT_CLOSED_REQUEST.status, 'CLIENT_CLOSED_REQUEST');
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
    if (this.trace.span.isRecording()) {
      if (this.clientGone) endRequestTrace(this.trace, status, code);
      else this.res.once('close', () => endRequestTrace(this.trace, status, code));
    }
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
export function askForScannableBody(headers: Record<string, string | string[]>): void {
  headers['accept-encoding'] = 'identity';
  delete headers.range;
  delete headers['if-range'];
}

function isIdentity(encoding: string | string[] | undefined): boolean {
  if (encoding === undefined) return true;
  const v = (Array.isArray(encoding) ? encoding.join(',') : encoding).trim().toLowerCase();
  return v === '' || v === 'identity';
}

export function pathOf(target: string): string {
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
