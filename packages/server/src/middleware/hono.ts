import type { MiddlewareHandler } from 'hono';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../credentials/caller.js';
import { createGuard, type GuardOptions } from './core.js';

/**
 * Hono middleware: same verification as the gateway; the caller is available as
 * `c.get('keyward')`. Hono gives Web `Request`s, so raw header lines are rebuilt from `Headers`
 * (which joins duplicates with ", " — exactly RFC 9421's combination rule).
 */
export function keywardHono(options: GuardOptions & { readonly clientIp?: (headers: Headers) => string }): MiddlewareHandler<{ Variables: { keyward: Caller } }> {
  const guard = createGuard(options);
  return async (c, next) => {
    const url = new URL(c.req.url);
    const headers: IncomingHttpHeaders = {};
    const rawHeaders: string[] = [];
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
      rawHeaders.push(name, value);
    });
    // Hono caches the body it reads, so handlers can still parse it afterwards.
    const signedBody = (headers['signature-input'] || headers.signature) && c.req.raw.body ? new Uint8Array(await c.req.arrayBuffer()) : undefined;
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
