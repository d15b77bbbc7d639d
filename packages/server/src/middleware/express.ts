import type { NextFunction, Request, Response } from 'express';
import type { Caller } from '../credentials/caller.js';
import { createGuard, type GuardOptions } from './core.js';

/**
 * Express middleware: same verification as the gateway; the caller is put on `res.locals.keyward`.
 * A refusal ends the request with problem+json; a broken dependency goes to `next(err)` (fail closed:
 * the route never runs).
 */
export function keywardExpress(options: GuardOptions) {
  const guard = createGuard(options);
  return (req: Request, res: Response, next: NextFunction): void => {
    guard({
      method: req.method,
      rawTarget: req.originalUrl,
      path: req.path,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      clientIp: req.ip ?? req.socket.remoteAddress ?? '',
    }).then((outcome) => {
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
