import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CATALOGUE, docsUrl, type Code } from '../errors/catalogue.js';
import { KeywardError } from '../errors/keyward-error.js';
import { newRequestId } from '../lib/ids.js';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../lib/json.js';
import { sendProblem } from './problem.js';

/**
 * Fastify's answers that bypass the error handler (router errors, `frameworkErrors`) and Node's
 * answers to requests it cannot parse (`clientError`) are plain JSON that repeats the URL. A URL
 * may carry a key, so every one of them becomes problem+json with a catalogue code and a request
 * id, and none echoes the request.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // These requests skip the onRequest hooks that set these headers on every other answer.
  reply.header('x-request-id', String(request.id));
  reply.header('cache-control', 'no-store');
  switch (err.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Every Keyward id is far shorter than the router's limit: an over-long one is not an id.
      void sendProblem(reply, 'INVALID_ID', 'a path segment is longer than any identifier');
      return;
    case 'FST_ERR_BAD_URL':
      void sendProblem(reply, 'BAD_REQUEST', 'the URL is not validly encoded');
      return;
    default:
      request.log.error({ err: { code: err.code }, requestId: request.id }, 'framework error');
      void sendProblem(reply, err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? 'BAD_REQUEST' : 'INTERNAL');
  }
}

/** The raw answer written on a socket Node could not parse a request from (no request object exists). */
export function rawProblem(code: Code, requestId: string): string {
  const spec = CATALOGUE[code];
  const body = JSON.stringify({ type: docsUrl(code), title: spec.title, status: spec.status, code, requestId });
  return `HTTP/1.1 ${spec.status} ${spec.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-keyward-code: ${code}\r\nx-request-id: ${requestId}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * Node's `clientError`: a malformed request line or headers, headers too large, a request timeout.
 * Answered with problem+json (431 HEADERS_TOO_LARGE for oversized headers, else 400 BAD_REQUEST),
 * and the connection closed. Nothing from the request is repeated.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: Code = err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_REQUEST';
  if (socket.writable) socket.end(rawProblem(code, newRequestId()));
  socket.destroySoon?.();
}

/**
 * JSON bodies: the nesting depth is measured on the text, in one pass, before it is parsed, so no
 * recursive walk (secure-json-parse's poisoning scan, the schema validator, JSON.stringify in a
 * size check, the audit chain's canonical form) ever sees a body deeper than MAX_JSON_DEPTH.
 */
export function depthGuardedJsonParser(parse: (req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => void) {
  return (req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void => {
    if (jsonTextDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(new KeywardError('VALIDATION_FAILED', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, { errors: [{ pointer: '/body', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }] }));
      return;
    }
    parse(req, body, done);
  };
}
