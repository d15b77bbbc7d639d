import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readBody } from '../lib/body.js';
import { clientCertOf, readTls, watchTls, type TlsFiles } from '../lib/tls.js';
import { Pool, type Dispatcher } from 'undici';
import { CATALOGUE, type Code } from '../errors/catalogue.js';
import { problemResponse } from '../errors/problem.js';
import { newRequestId } from '../lib/ids.js';
import type { Mutable } from '../lib/mutable.js';
import { downstreamHeaders, guardRequest, upstreamHeaders } from './request-guard.js';
import type { GatewayPolicy, GatewayRequest } from './types.js';

export interface GatewayOptions {
  readonly upstreamUrl: string;
  readonly policy: GatewayPolicy;
  /** Resolves the client address (X-Forwarded-For trust rules). */
  readonly clientIp: (req: IncomingMessage) => string;
  readonly connectTimeoutMs?: number;
  /** Time for the upstream to send response headers. */
  readonly headersTimeoutMs?: number;
  /** Longest silence while streaming a response body. */
  readonly bodyTimeoutMs?: number;
  /** Largest request header block accepted (bytes). */
  readonly maxHeaderBytes?: number;
  /** Largest body buffered for signature checks; larger signed bodies are refused. Unsigned bodies stream. */
  readonly maxBufferedBodyBytes?: number;
  readonly upstreamConnections?: number;
  readonly keepCookies?: boolean;
  readonly onError?: (err: unknown, requestId: string) => void;
  /** Serve HTTPS with this certificate and key, reloaded when the files change. */
  readonly tls?: TlsFiles;
  readonly onRequest?: (info: { requestId: string; method: string; path: string; status: number; ms: number; code?: Code }) => void;
}

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
  const upstream = new URL(options.upstreamUrl);
  const basePath = upstream.pathname.replace(/\/$/, '');
  const pool = new Pool(upstream.origin, {
    connections: options.upstreamConnections ?? 128,
    pipelining: 1,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
  });
  const maxBody = options.maxBufferedBodyBytes ?? 1024 * 1024;

  async function proxy(ex: Exchange): Promise<void> {
    const { req, requestId } = ex;
    const guard = guardRequest(req);
    if (!guard.ok) return ex.refuse(guard.code, guard.detail);
    const rawTarget = req.url ?? '/';
    if (!rawTarget.startsWith('/')) return ex.refuse('BAD_REQUEST', 'absolute-form and authority-form targets are not proxied');
    const view: Mutable<GatewayRequest> = {
      method: req.method ?? 'GET',
      rawTarget,
      path: pathOf(rawTarget),
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      clientIp: options.clientIp(req),
      requestId,
    };
    const cert = clientCertOf(req).clientCertSha256;
    if (cert) view.clientCertSha256 = cert;
    if (options.policy.needsBody(view)) {
      const read = await readBody(req, maxBody);
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
    if (!decision.allow) return ex.refuse(decision.code, decision.detail, decision.responseHeaders);

    const headers = upstreamHeaders(req, { keepCookies: options.keepCookies ?? false });
    Object.assign(headers, decision.upstreamHeaders);
    headers['x-forwarded-for'] = view.clientIp;
    headers['x-request-id'] = requestId;
    const hasBody = body !== undefined ? body.length > 0 : req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    pool.dispatch(
      { method: view.method as never, path: basePath + rawTarget, headers, body: body ?? (hasBody ? req : null) },
      new UpstreamResponse(ex, decision.responseHeaders, options.onError),
    );
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const ex = new Exchange(req, res, options.onRequest);
    proxy(ex).catch((err) => {
      options.onError?.(err, ex.requestId);
      if (!res.headersSent) ex.refuse('INTERNAL');
      else res.destroy();
    });
  };

  const serverOptions = { maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024, requireHostHeader: true, joinDuplicateHeaders: false };
  let stopWatching = () => {};
  let server: Server;
  if (options.tls) {
    const https = createHttpsServer({ ...serverOptions, ...readTls(options.tls), ...(options.tls.requestClientCert ? { requestCert: true, rejectUnauthorized: false } : {}) }, handler);
    stopWatching = watchTls(https, options.tls, (event, err) => (event === 'reload_failed' ? options.onError?.(err, 'tls-reload') : undefined));
    server = https as unknown as Server;
  } else {
    server = createServer(serverOptions, handler);
  }
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const code: Code = status === 431 ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
    const body = problemResponse(code, newRequestId()).text;
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return {
    server,
    handler,
    async close() {
      stopWatching();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
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

  constructor(
    private readonly ex: Exchange,
    private readonly responseHeaders: Readonly<Record<string, string>> | undefined,
    private readonly reportError: GatewayOptions['onError'],
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    const res = this.ex.res;
    res.once('close', () => {
      if (!res.writableFinished && !controller.aborted) controller.abort(new Error('the client went away'));
    });
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational answers are the upstream's business, not forwarded
    const out = downstreamHeaders(headers);
    const extra = this.responseHeaders;
    for (const k in extra) out[k] = extra[k]!;
    out['x-request-id'] = this.ex.requestId;
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
    if (this.ex.res.write(chunk)) return;
    controller.pause();
    this.resumeOnDrain ??= () => this.controller?.resume();
    this.ex.res.once('drain', this.resumeOnDrain);
  }

  onResponseEnd(): void {
    this.ex.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const res = this.ex.res;
    if (res.destroyed) return; // the client left first: nothing to answer
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
  readonly requestId = newRequestId();
  private readonly startedMs = performance.now();
  private logged = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly onRequest: RequestLog | undefined,
  ) {}

  /** Reports the request once, with its status and (for refusals) its code. */
  done(status: number, code?: Code): void {
    if (this.logged) return;
    this.logged = true;
    if (!this.onRequest) return;
    const info: Parameters<RequestLog>[0] & { code?: Code } = { requestId: this.requestId, method: this.req.method ?? '', path: pathOf(this.req.url ?? '/'), status, ms: performance.now() - this.startedMs };
    if (code) info.code = code;
    this.onRequest(info);
  }

  /** Answers with a problem; the upstream never sees the request. */
  refuse(code: Code, detail?: string, headers?: Readonly<Record<string, string>>): void {
    sendProblem(this.res, code, this.requestId, detail, headers);
    this.done(CATALOGUE[code].status, code);
    this.req.resume();
  }
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
