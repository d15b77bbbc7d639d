import { CATALOGUE, docsUrl, type Code } from './catalogue.js';
import type { FieldError } from './keyward-error.js';
import { maskKeys } from '../observability/logger.js';

/** RFC 9457 problem details, plus Keyward's stable `code` and the request id. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: Code;
  readonly detail?: string;
  readonly requestId: string;
  readonly errors?: readonly FieldError[];
}

/**
 * The one problem builder: the admin API, the verify fast path, the gateway and all three
 * middlewares answer a refusal with exactly this body. `detail` is masked, since a caller's
 * input (a path, a header) may hold a key.
 */
export function problem(code: Code, requestId: string, detail?: string, errors?: readonly FieldError[]): Problem {
  const spec = CATALOGUE[code];
  const body: { -readonly [K in keyof Problem]: Problem[K] } = { type: docsUrl(code), title: spec.title, status: spec.status, code, requestId };
  if (detail) body.detail = maskKeys(detail);
  if (errors && errors.length) body.errors = errors;
  return body;
}

/** A problem ready to send on any HTTP stack: status, headers and the serialized body. */
export interface ProblemResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Problem;
  /** `JSON.stringify(body)`, for stacks that take a string. */
  readonly text: string;
}

/**
 * `x-keyward-code` lets a client tell Keyward's own refusals from an upstream's errors; the
 * gateway makes sure an upstream cannot set it. RFC 9110 §11.6.1: a 401 names the scheme that
 * would work, so every 401 carries `WWW-Authenticate` unless the caller set a more precise one.
 */
export function problemResponse(code: Code, requestId: string, options: { readonly detail?: string; readonly errors?: readonly FieldError[]; readonly headers?: Readonly<Record<string, string>> } = {}): ProblemResponse {
  const body = problem(code, requestId, options.detail, options.errors);
  const headers: Record<string, string> = { ...options.headers, 'content-type': 'application/problem+json', 'x-keyward-code': code, 'x-request-id': requestId };
  if (body.status === 401 && headers['www-authenticate'] === undefined) headers['www-authenticate'] = 'Bearer';
  return { status: body.status, headers, body, text: JSON.stringify(body) };
}
