import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real HTTP upstream on loopback that records what reached it. */
export async function startUpstream(handler?: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest[]) => void | Promise<void>) {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    if (handler) return void handler(req, res, seen);
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const record = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(record);
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ ok: true, url: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
