import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStoreUnavailable } from '../store/unavailable.js';
import { isKeywardError, type FieldError } from '../errors/keyward-error.js';
import type { Code } from '../errors/catalogue.js';
import { requestIdFrom } from '../lib/ids.js';
import type { Keyward } from '../keyward.js';
import { authenticateRaw } from './auth.js';
import { validationFailure } from './problem.js';
import { problemResponse } from '../errors/problem.js';
import { verifyForCaller, VerifyBody, type VerifyResponseBody } from './routes/verify.js';
import type { Server } from './types.js';
import { endRequestTrace, setVerifyOutcome, startRecordedTrace, type RequestTrace } from '../observability/tracing.js';

/** The one route the fast path serves. */
export const FAST_VERIFY_URL = '/v1/keys/verify';

/** Bodies above this go through Fastify (a verify body is a key and a few fields: well under 1 KiB). */
const MAX_FAST_BODY_BYTES = 8 * 1024;

type Validator = ((data: unknown) => boolean) & { errors?: ReadonlyArray<{ instancePath: string; keyword: string; params: unknown; message?: string }> | null };
type JsonParser = (req: unknown, body: string, done: (err: Error | null, value?: unknown) => void) => void;

export interface VerifyFastPath {
  /** Serves the request and returns true, or returns false without touching it (Fastify serves it). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * `POST /v1/keys/verify` is the call every backend makes on every request, so it skips Fastify's
 * general pipeline (routing, hook chain, reply machinery), which costs several times the
 * verification itself. Why this is safe:
 * - It decides from the request line and headers alone whether to take a request, before reading
 *   a byte of the body. Anything unusual (other content types, no Content-Length, chunked or large
 *   bodies, no credential, a server that is closing) is left untouched for the Fastify route.
 * - Everything that decides an answer is shared with that route: Fastify's own JSON parser and
 *   compiled body validator, `authenticateRaw`, `verifyForCaller` and the problem catalogue.
 *   test/http/verify-fast-path.test.ts runs one request set through both and requires equal answers.
 */
export function createVerifyFastPath(kw: Keyward, server: Server, isClosing: () => boolean): VerifyFastPath {
  const compile = server.validatorCompiler;
  if (!compile) throw new Error('the verify fast path needs the server to be ready');
  const validate = compile({ schema: VerifyBody, method: 'POST', url: FAST_VERIFY_URL, httpPart: 'body' }) as Validator;
  const parseJson = server.getDefaultJsonParser('error', 'error') as JsonParser;
  const logRequests = kw.logger.isLevelEnabled('info');
  // Never above the server's own body limit, so a body Fastify would refuse (413) is left to it.
  const maxBodyBytes = Math.min(MAX_FAST_BODY_BYTES, kw.config.bodyLimitBytes);
  // Spans of requests in flight, only while an OpenTelemetry SDK records (observability/tracing.ts).
  const traces = new WeakMap<IncomingMessage, RequestTrace>();

  function send(req: IncomingMessage, res: ServerResponse, requestId: string, startedAtMs: number, status: number, body: unknown, extraHeaders?: Record<string, string>): void {
    const payload = JSON.stringify(body);
    const t = traces.get(req);
    if (t !== undefined) {
      // The same span the Fastify route makes: route, status, Keyward code, and the outcome.
      traces.delete(req);
      t.span.setAttributes({ 'http.route': FAST_VERIFY_URL, 'keyward.request_id': requestId });
      if (status === 200) setVerifyOutcome(t, body as VerifyResponseBody);
      endRequestTrace(t, status, extraHeaders?.['x-keyward-code']);
    }
    const headers: Record<string, string | number> = extraHeaders ? { ...extraHeaders } : {};
    headers['x-request-id'] = requestId;
    headers['cache-control'] = 'no-store';
    headers['content-type'] = status === 200 ? 'application/json; charset=utf-8' : 'application/problem+json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(payload);
    res.writeHead(status, headers);
    res.end(payload);
    const ms = performance.now() - startedAtMs;
    kw.metrics.httpRequest(FAST_VERIFY_URL, 'POST', status, ms);
    if (logRequests) kw.logger.info({ requestId, req: { method: 'POST', url: FAST_VERIFY_URL, remoteAddress: req.socket.remoteAddress }, status, ms: Math.round(ms * 100) / 100 }, 'request');
  }

  function sendProblem(req: IncomingMessage, res: ServerResponse, requestId: string, startedAtMs: number, code: Code, detail?: string, errors?: readonly FieldError[], headers?: Record<string, string>): void {
    const answer = problemResponse(code, requestId, { ...(detail ? { detail } : {}), ...(errors ? { errors } : {}), ...(headers ? { headers } : {}) });
    send(req, res, requestId, startedAtMs, answer.status, answer.body, answer.headers);
  }

  function fail(req: IncomingMessage, res: ServerResponse, requestId: string, startedAtMs: number, err: unknown): void {
    if (res.headersSent) return;
    if (isKeywardError(err)) return sendProblem(req, res, requestId, startedAtMs, err.code, err.detail, err.errors, err.headers);
    if (isStoreUnavailable(err)) {
      kw.logger.error({ err, requestId }, 'store unavailable');
      return sendProblem(req, res, requestId, startedAtMs, 'STORE_UNAVAILABLE', 'the store did not answer; retry later');
    }
    kw.logger.error({ err, requestId }, 'unhandled error');
    sendProblem(req, res, requestId, startedAtMs, 'INTERNAL');
  }

  /**
   * Synchronous from the body to the answer when both keys are cached (the common case): no
   * promise and no microtask turn per request. A key that needs the store continues in `then`.
   */
  function answer(req: IncomingMessage, res: ServerResponse, text: string, startedAtMs: number): void {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    try {
      let parsed: unknown;
      let parseError: Error | null = null;
      parseJson(req, text, (err, value) => {
        parseError = err;
        parsed = value;
      });
      if (parseError) return sendProblem(req, res, requestId, startedAtMs, 'MALFORMED_JSON', 'the body is not valid JSON');
      if (!validate(parsed)) {
        const { detail, errors } = validationFailure(validate.errors ?? [], 'body');
        return sendProblem(req, res, requestId, startedAtMs, 'VALIDATION_FAILED', detail, errors);
      }
      const body = parsed as Parameters<typeof verifyForCaller>[2];
      const caller = authenticateRaw(kw, req, req.socket.remoteAddress ?? '', 'root-or-secret');
      if (caller instanceof Promise) {
        caller.then((c) => verifyForCaller(kw, c, body, requestId)).then((out) => send(req, res, requestId, startedAtMs, 200, out), (err: unknown) => fail(req, res, requestId, startedAtMs, err));
        return;
      }
      const out = verifyForCaller(kw, caller, body, requestId);
      if (out instanceof Promise) {
        out.then((o) => send(req, res, requestId, startedAtMs, 200, o), (err: unknown) => fail(req, res, requestId, startedAtMs, err));
        return;
      }
      send(req, res, requestId, startedAtMs, 200, out);
    } catch (err) {
      fail(req, res, requestId, startedAtMs, err);
    }
  }

  return {
    handle(req, res) {
      if (req.method !== 'POST' || req.url !== FAST_VERIFY_URL || isClosing()) return false;
      const h = req.headers;
      const type = h['content-type'];
      if (type !== 'application/json' && type !== 'application/json; charset=utf-8') return false;
      // A browser's request (Origin) goes through Fastify, which adds the CORS headers.
      if (h['transfer-encoding'] !== undefined || h.origin !== undefined || (h.authorization === undefined && h['x-api-key'] === undefined)) return false;
      const length = Number(h['content-length']);
      if (!Number.isInteger(length) || length < 1 || length > maxBodyBytes) return false;

      const startedAtMs = performance.now();
      const t = startRecordedTrace('POST', h, { 'http.request.method': 'POST', 'keyward.process': 'api' });
      if (t !== undefined) traces.set(req, t);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('error', () => {
        res.destroy();
        traces.get(req)?.span.end();
        traces.delete(req);
      });
      req.on('end', () => {
        const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        answer(req, res, text, startedAtMs);
      });
      return true;
    },
  };
}
