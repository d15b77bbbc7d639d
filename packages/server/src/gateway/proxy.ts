import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readBody } from '../lib/body.js';
import { clientCertOf, readTls, watchTls, type TlsFiles } from '../lib/tls.js';
import { Pool } from 'undici';
import { CATALOGUE, docsUrl, type Code } from '../errors/catalogue.js';
import { newRequestId } from '../lib/ids.js';
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

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = newRequestId();
    res.setHeader('x-request-id', requestId);
    let logged = false;
    const done = (status: number, code?: Code) => {
      if (logged) return;
      logged = true;
      options.onRequest?.({ requestId, method: req.method ?? '', path: pathOf(req.url ?? '/'), status, ms: performance.now() - started, ...(code ? { code } : {}) });
    };
    const refuse = (code: Code, detail?: string, headers?: Readonly<Record<string, string>>) => {
      if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      sendProblem(res, code, requestId, detail);
      done(CATALOGUE[code].status, code);
      req.resume();
    };

    void (async () => {
      const guard = guardRequest(req);
      if (!guard.ok) return refuse(guard.code, guard.detail);
      const rawTarget = req.url ?? '/';
      if (!rawTarget.startsWith('/')) return refuse('BAD_REQUEST', 'absolute-form and authority-form targets are not proxied');
      const view: Omit<GatewayRequest, 'body'> = {
        method: req.method ?? 'GET',
        rawTarget,
        path: pathOf(rawTarget),
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        clientIp: options.clientIp(req),
        ...clientCertOf(req),
      };
      let body: Buffer | undefined;
      if (options.policy.needsBody(view)) {
        const read = await readBody(req, maxBody);
        if (read === 'too_large') return refuse('PAYLOAD_TOO_LARGE', `signed bodies are limited to ${maxBody} bytes`);
        body = read;
      }
      let decision;
      try {
        decision = await options.policy.decide(body ? { ...view, body } : view);
      } catch (err) {
        options.onError?.(err, requestId);
        return refuse('STORE_UNAVAILABLE', 'the gateway could not decide; failing closed');
      }
      if (!decision.allow) return refuse(decision.code, decision.detail, decision.responseHeaders);

      const headers = upstreamHeaders(req, { keepCookies: options.keepCookies ?? false });
      Object.assign(headers, decision.upstreamHeaders);
      headers['x-forwarded-for'] = view.clientIp;
      headers['x-request-id'] = requestId;
      const hasBody = body !== undefined ? body.length > 0 : req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
      try {
        const up = await pool.request({
          method: view.method as never,
          path: basePath + rawTarget,
          headers,
          body: body ?? (hasBody ? req : null),
        });
        const out = downstreamHeaders(up.headers as Record<string, string | string[] | undefined>);
        for (const [k, v] of Object.entries(decision.responseHeaders)) out[k] = v;
        out['x-request-id'] = requestId;
        res.writeHead(up.statusCode, out);
        done(up.statusCode);
        // Plain pipe (not stream/promises' pipeline, whose per-call AbortSignal was a measurable cost):
        // an upstream error mid-body destroys the client socket, a client that goes away stops the upstream.
        const upBody = up.body;
        upBody.on('error', (err) => {
          options.onError?.(err, requestId);
          res.destroy();
        });
        res.on('close', () => {
          if (!res.writableFinished) upBody.destroy();
        });
        upBody.pipe(res);
      } catch (err) {
        options.onError?.(err, requestId);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const code = isTimeout(err) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
        refuse(code, code === 'UPSTREAM_TIMEOUT' ? 'the upstream did not answer in time' : 'the upstream could not be reached');
      }
    })().catch((err) => {
      options.onError?.(err, requestId);
      if (!res.headersSent) refuse('INTERNAL');
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
    const body = JSON.stringify({ type: docsUrl(code), title: CATALOGUE[code].title, status, code, requestId: newRequestId() });
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

function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

function sendProblem(res: ServerResponse, code: Code, requestId: string, detail?: string): void {
  const spec = CATALOGUE[code];
  const body = JSON.stringify({ type: docsUrl(code), title: spec.title, status: spec.status, code, ...(detail ? { detail } : {}), requestId });
  res.writeHead(spec.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-keyward-code': code });
  res.end(body);
}
