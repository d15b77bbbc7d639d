import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The gateway's admin listener: Prometheus metrics (`GET /metrics`) and a liveness probe
 * (`GET /healthz`), on a port of its own, loopback unless the operator binds it elsewhere.
 *
 * Why not on the public port: the gateway's public side forwards everything the access map allows
 * to the upstream, and metrics reveal routes, refusal codes and traffic shape. Keeping them off
 * that listener means no map entry, upstream route or path trick can reach them, and the public
 * port has no path of the gateway's own at all. No credential is asked here: the address is the
 * boundary (bind it to loopback or a private interface, as Kong and Envoy admin ports are).
 */
export function createAdminServer(options: { readonly registry: Registry }): Server {
  const { registry } = options;
  return createServer({ requireHostHeader: true, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const known = path === '/metrics' || path === '/healthz';
    if (known && method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : 'ok\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found: GET /metrics or /healthz\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics could not be collected\n');
      },
    );
  });
}
