import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppCorsOrigins } from '../apps/cors-origins.js';
import { Cors } from '../http/cors.js';

/**
 * The gateway's CORS (the same http/cors.ts the admin API uses): the origins of the app the
 * gateway fronts (`--app`), or of any app when it fronts several. Preflights are answered by the
 * gateway and never forwarded: the upstream's access map would refuse a credential-less
 * OPTIONS, and the browser would then refuse the real request.
 */
export function gatewayCors(origins: AppCorsOrigins, options: { readonly appId?: string; readonly credentials?: boolean } = {}): Cors {
  const appId = options.appId;
  return new Cors({
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    origins: appId === undefined ? () => origins.any() : () => origins.forApp(appId),
    credentials: options.credentials ?? false,
  });
}

/** Answers a preflight; true when `req` was one. */
export function answerPreflight(cors: Cors | undefined, req: IncomingMessage, res: ServerResponse, requestId: string): boolean {
  if (cors === undefined || !Cors.isPreflight(req.method, req.headers)) return false;
  const pre = cors.preflight(req.headers);
  pre.headers['x-request-id'] = requestId;
  pre.headers['cache-control'] = 'no-store';
  res.writeHead(pre.status, pre.headers);
  res.end();
  req.resume();
  return true;
}

/**
 * The gateway's CORS headers on an upstream answer: the upstream's own `Access-Control-*` go,
 * so an upstream that allows every origin cannot widen what the gateway's lists allow.
 */
export function applyCors(out: Record<string, string | string[]>, cors: Readonly<Record<string, string>>): void {
  for (const name in out) if (name.startsWith('access-control-')) delete out[name];
  for (const name in cors) out[name] = cors[name]!;
}
