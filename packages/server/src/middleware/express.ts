import type { NextFunction, Request, Response } from 'express';
import type { Caller } from '../credentials/caller.js';
import { bodyCap, hasBody, hasSignature, readBody, type BodyCapOptions } from '../lib/body.js';
import { requestIdFrom } from '../lib/ids.js';
import { createGuard, refusal, type GuardOptions } from './core.js';

type RawBodyRequest = Request & { rawBody?: Buffer; _body?: boolean };

/**
 * Express middleware: same verification as the gateway; the caller is put on `res.locals.keyward`.
 * A refusal ends the request with problem+json; a broken dependency goes to `next(err)` (fail closed:
 * the route never runs).
 */
export function keywardExpress(options: GuardOptions & BodyCapOptions) {
  const guard = createGuard(options);
  const maxBodyBytes = bodyCap(options);
  return (req: Request, res: Response, next: NextFunction): void => {
    void (async () => {
      // A signed body must be checked against its Content-Digest, so it is read here (bounded);
      // JSON bodies are then parsed for the app so body parsers after this are not needed.
      const r = req as RawBodyRequest;
      let body: Buffer | undefined = r.rawBody;
      if (!body && hasSignature(req.headers) && hasBody(req.headers) && !r._body) {
        const read = await readBody(req, maxBodyBytes);
        // Reading stopped at the cap: close the connection after the answer rather than drain it.
        if (read === 'too_large') return refusal('PAYLOAD_TOO_LARGE', requestIdFrom(req.headers['x-request-id']), { connection: 'close' });
        body = read;
        r.rawBody = read;
        if (/\bjson\b/.test(String(req.headers['content-type'] ?? ''))) {
          try {
            r.body = JSON.parse(read.toString('utf8'));
            r._body = true;
          } catch {
            // leave it for the app's own parser to report
          }
        }
      }
      return guard({
        method: req.method,
        rawTarget: req.originalUrl,
        // The full raw path (mount prefix included, unlike req.path), as the gateway matches it.
        path: req.originalUrl.split('?')[0]!,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        clientIp: req.ip ?? req.socket.remoteAddress ?? '',
        ...(body ? { body } : {}),
      });
    })().then((outcome) => {
      if (!outcome.ok) {
        res.status(outcome.status).set(outcome.headers).send(JSON.stringify(outcome.body));
        return;
      }
      res.set(outcome.responseHeaders);
      (res.locals as { keyward?: Caller }).keyward = outcome.caller;
      next();
    }, next);
  };
}
