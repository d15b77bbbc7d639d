import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Code } from '../errors/catalogue.js';
import { problemResponse } from '../errors/problem.js';
import { isKeywardError, type FieldError } from '../errors/keyward-error.js';
import { isStoreUnavailable } from '../store/unavailable.js';

export { problem, type Problem } from '../errors/problem.js';

export function sendProblem(reply: FastifyReply, code: Code, detail?: string, errors?: readonly FieldError[], headers?: Record<string, string>): FastifyReply {
  const answer = problemResponse(code, String(reply.request.id), { ...(detail ? { detail } : {}), ...(errors ? { errors } : {}), ...(headers ? { headers } : {}) });
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/**
 * Maps every thrown error to problem+json. Framework errors get specific codes; anything
 * unexpected becomes INTERNAL with no detail (the log has it, the caller never sees a stack).
 */
export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isKeywardError(err)) {
    if (err.status >= 500) request.log.error({ err, requestId: request.id }, 'request failed');
    return sendProblem(reply, err.code, err.detail, err.errors, err.headers);
  }
  if (err.validation) {
    const { detail, errors } = validationFailure(err.validation, err.validationContext ?? 'body');
    return sendProblem(reply, 'VALIDATION_FAILED', detail, errors);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(reply, 'PAYLOAD_TOO_LARGE', `the body exceeds the limit`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(reply, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(reply, 'MALFORMED_JSON', 'the body is empty but the content type is JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendProblem(reply, 'BAD_REQUEST', 'content-length does not match the body');
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return sendProblem(reply, 'MALFORMED_JSON', 'the body is not valid JSON');
  if (err.statusCode === 413) return sendProblem(reply, 'PAYLOAD_TOO_LARGE');
  if (err.statusCode === 431) return sendProblem(reply, 'HEADERS_TOO_LARGE');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return sendProblem(reply, 'BAD_REQUEST');
  if (isStoreUnavailable(err)) {
    request.log.error({ err, requestId: request.id }, 'store unavailable');
    return sendProblem(reply, 'STORE_UNAVAILABLE', 'the store did not answer; retry later');
  }
  request.log.error({ err, requestId: request.id }, 'unhandled error');
  return sendProblem(reply, 'INTERNAL');
}

/** Ajv's findings as field errors with JSON pointers (shared with the verify fast path). */
export function validationFailure(validation: ReadonlyArray<{ instancePath: string; keyword: string; params: unknown; message?: string | undefined }>, context: string): { detail: string; errors: FieldError[] } {
  const errors = validation.map((v) => ({
    pointer: `/${context}${v.instancePath}${v.keyword === 'additionalProperties' ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}` : v.keyword === 'required' ? `/${String((v.params as { missingProperty?: string }).missingProperty)}` : ''}`,
    message: v.keyword === 'additionalProperties' ? 'unknown field' : (v.message ?? 'invalid'),
  }));
  return { detail: errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), errors };
}
