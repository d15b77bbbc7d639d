/** Bench upstream: a plain node:http server returning a small JSON body. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ready } from './child.js';

const body = JSON.stringify({ id: 'u_1', name: 'Ada', tags: ['a', 'b'] });
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => ready({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
