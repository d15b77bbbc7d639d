import type { MiddlewareHandler } from 'hono';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../credentials/caller.js';
import { bodyCap, PAYLOAD_TOO_LARGE_BODY, PAYLOAD_TOO_LARGE_HEADERS, readWebBody, type BodyCapOptions } from '../lib/body.js';
import { createGuard, type GuardOptions } from './core.js';

/**
 * Hono middleware: same verification as the gateway; the caller is available as
 * `c.get('keyward')`. Hono gives Web `Request`s, so raw header lines are rebuilt from `Headers`
 * (which joins duplicates with ", " — exactly RFC 9421's combination rule).
 */
export function keywardHono(options: GuardOptions & BodyCapOptions & { readonly clientIp?: (headers: Headers) => string }): MiddlewareHandler<{ Variables: { keyward: Caller } }> {
  const guard = createGuard(options);
  const maxBodyBytes = bodyCap(options);
  return async (c, next) => {
    const url = new URL(c.req.url);
    const headers: IncomingHttpHeaders = {};
    const rawHeaders: string[] = [];
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
      rawHeaders.push(name, value);
    });
    // Read with a cap (stopping at it), then handed to Hono's body cache so handlers can still
    // parse it afterwards.
    let signedBody: Uint8Array | undefined;
    if ((headers['signature-input'] || headers.signature || headers['keyward-assertion']) && c.req.raw.body) {
      const read = await readWebBody(c.req.raw.body, c.req.raw.headers.get('content-length'), maxBodyBytes);
      if (read === 'too_large') return c.body(JSON.stringify(PAYLOAD_TOO_LARGE_BODY), 413, { ...PAYLOAD_TOO_LARGE_HEADERS });
      signedBody = read;
      const bytes = read;
      (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    const outcome = await guard({
      ...(signedBody ? { body: signedBody } : {}),
      method: c.req.method,
      rawTarget: url.pathname + url.search,
      path: url.pathname,
      headers,
      rawHeaders,
      clientIp: options.clientIp?.(c.req.raw.headers) ?? '',
    });
    if (!outcome.ok) return c.body(JSON.stringify(outcome.body), outcome.status as 401, outcome.headers);
    for (const [k, v] of Object.entries(outcome.responseHeaders)) c.header(k, v);
    c.set('keyward', outcome.caller);
    await next();
  };
}
