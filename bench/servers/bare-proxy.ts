/** Bench baseline: the barest correct undici reverse proxy (no auth, no policy), streaming both ways. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ready } from './child.js';

const upstream = process.env.UPSTREAM!;
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const server = createServer(async (req, res) => {
  try {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const up = await pool.request({ method: req.method as never, path: req.url!, headers, body: req.headers['content-length'] && req.headers['content-length'] !== '0' ? req : null });
    res.writeHead(up.statusCode, up.headers as never);
    up.body.on('error', () => res.destroy());
    up.body.pipe(res);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => ready({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
