import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../src/webhooks/signing.js';

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Whether the Standard Webhooks signature verified with the receiver's current secret. */
  readonly verified: boolean;
}

/**
 * A real HTTP receiver on 127.0.0.1:0 that checks each request's Standard Webhooks signature
 * (with `secret`, set by the test once it knows it) and answers with the next queued status
 * (200 when the queue is empty; `hang` never answers).
 */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  answers: (number | 'hang' | { status: number; location: string })[];
  secret: string;
  nowSeconds: () => number;
  close: () => Promise<void>;
}> {
  const state = {
    received: [] as Received[],
    answers: [] as (number | 'hang' | { status: number; location: string })[],
    secret: '',
    nowSeconds: () => Math.floor(Date.now() / 1000),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const h = { id: String(req.headers['webhook-id'] ?? ''), timestamp: String(req.headers['webhook-timestamp'] ?? ''), signature: String(req.headers['webhook-signature'] ?? '') };
      const verified = state.secret !== '' && verifyWebhook(state.secret, h, body, state.nowSeconds());
      state.received.push({ path: req.url ?? '/', headers: req.headers, body, verified });
      const next = state.answers.shift() ?? 200;
      if (next === 'hang') return;
      if (typeof next === 'object') {
        res.writeHead(next.status, { location: next.location }).end();
        return;
      }
      res.writeHead(next).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
