import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/proxy.js';
import type { GatewayDecision, GatewayPolicy } from '../../src/gateway/types.js';
import { openSocket } from './raw.js';
import { startUpstream } from './upstream.js';

/*
 * A client that disconnects must not leave work running on its behalf: what the gateway has not
 * yet sent upstream is never sent, and an upstream request already under way is stopped. Every
 * interleaving here is forced with gates (a decision that waits on the test, an upstream that
 * holds its answer), never with sleeps; waits are bounded and generous.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Logged = { path: string; status: number; code?: string };

function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

/** Resolves once `check` holds (polled), failing after `ms`. */
async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ALLOW: GatewayDecision = { allow: true, upstreamHeaders: {}, responseHeaders: {} };

async function start(upstreamUrl: string, policy: GatewayPolicy, extra: Partial<Parameters<typeof createGateway>[0]> = {}) {
  const logged: Logged[] = [];
  const errors: unknown[] = [];
  const gw = createGateway({ upstreamUrl, policy, clientIp: (req) => req.socket.remoteAddress ?? '', onRequest: (i) => logged.push(i), onError: (err) => errors.push(err), ...extra });
  // A second listener sees the same request objects: it tells the test when the gateway's side of the connection has closed.
  const closed: ServerResponse[] = [];
  gw.server.on('request', (_req: IncomingMessage, res: ServerResponse) => res.on('close', () => closed.push(res)));
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  return { url: `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`, logged, errors, closed };
}

describe('gateway: a client that goes away', () => {
  it('while the decision is pending: nothing is forwarded, and the exchange is logged as CLIENT_CLOSED_REQUEST (499)', async () => {
    const paths: string[] = [];
    const up = await startUpstream((req, res) => {
      req.resume();
      paths.push(req.url!);
      res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    cleanups.push(up.close);
    const entered = gate();
    const release = gate<GatewayDecision>();
    const policy: GatewayPolicy = {
      needsBody: () => false,
      decide(req) {
        if (req.path === '/probe') return Promise.resolve(ALLOW);
        entered.open();
        return release.promise; // a slow store, held until the client has gone
      },
    };
    // One upstream connection: requests reach the upstream in the order they were dispatched.
    const gw = await start(up.url, policy, { upstreamConnections: 1, maxInFlightPerClient: 4, maxInFlightPerCredential: 4 });
    const socket = await openSocket(gw.url);
    socket.write('GET /orders HTTP/1.1\r\nhost: x\r\n\r\n');
    await entered.promise;
    socket.destroy();
    await until(() => gw.closed.length === 1, "the gateway's side of the connection to close");
    release.open(ALLOW);
    await new Promise<void>((r) => setImmediate(r)); // the released decision has run on
    // A later request reaches the upstream: had /orders been dispatched, it would have gone first.
    const probe = await openSocket(gw.url);
    cleanups.push(() => void probe.destroy());
    probe.write('GET /probe HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => paths.includes('/probe'), 'the probe to reach the upstream');
    expect(paths).toEqual(['/probe']);
    expect(gw.logged[0]).toMatchObject({ path: '/orders', status: 499, code: 'CLIENT_CLOSED_REQUEST' });
    expect(gw.errors).toHaveLength(0);
  });

  it('while its signed body is being read: the decision never runs and nothing is forwarded', async () => {
    const up = await startUpstream();
    cleanups.push(up.close);
    let decided = 0;
    const policy: GatewayPolicy = {
      needsBody: () => true,
      async decide() {
        decided++;
        return ALLOW;
      },
    };
    const gw = await start(up.url, policy);
    const socket = await openSocket(gw.url);
    socket.write('POST /orders HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"part":');
    await until(() => gw.closed.length === 0 && socket.bytesWritten > 0, 'the partial body to be sent');
    socket.destroy();
    await until(() => gw.logged.length === 1, 'the exchange to be logged');
    expect(gw.logged[0]).toMatchObject({ status: 499, code: 'CLIENT_CLOSED_REQUEST' });
    expect(decided).toBe(0);
    expect(up.seen).toHaveLength(0);
    expect(gw.errors).toHaveLength(0); // an abandoned body is not a gateway failure
  });

  it('after dispatch, before the upstream answers: the upstream request is aborted', async () => {
    const arrived = gate();
    let upstreamClosed = false;
    const up = await startUpstream((req, res) => {
      req.resume();
      res.on('close', () => (upstreamClosed = true));
      arrived.open(); // and never answers
    });
    cleanups.push(up.close);
    const gw = await start(up.url, { needsBody: () => false, decide: async () => ALLOW });
    const socket = await openSocket(gw.url);
    socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await arrived.promise;
    socket.destroy();
    await until(() => upstreamClosed, 'the upstream request to be aborted');
    expect(upstreamClosed).toBe(true);
    expect(gw.logged).toMatchObject([{ path: '/slow', status: 499, code: 'CLIENT_CLOSED_REQUEST' }]);
  });

  it('while its request waits for a free upstream connection: it is never sent when one frees up', async () => {
    const paths: string[] = [];
    const first = gate<ServerResponse>();
    const up = await startUpstream((req, res) => {
      req.resume();
      paths.push(req.url!);
      if (req.url === '/first') first.open(res);
      else res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    cleanups.push(up.close);
    const gw = await start(up.url, { needsBody: () => false, decide: async () => ALLOW }, { upstreamConnections: 1, maxInFlightPerClient: 4, maxInFlightPerCredential: 4 });
    const a = await openSocket(gw.url);
    a.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\n');
    const holding = await first.promise; // the pool's one connection is busy with /first
    const b = await openSocket(gw.url);
    b.write('GET /queued HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => gw.closed.length === 0 && b.bytesWritten > 0, 'the second request to be sent');
    // The second request is decided and queued in the pool: wait until the gateway has taken it in.
    await new Promise<void>((r) => setImmediate(r));
    b.destroy();
    await until(() => gw.closed.length === 1, "the second client's connection to close at the gateway");
    holding.writeHead(200, { 'content-length': '2' }).end('ok'); // the connection frees up
    a.resume();
    await until(() => gw.logged.length === 2, 'both exchanges to be logged');
    expect(gw.logged).toMatchObject([{ path: '/queued', status: 499, code: 'CLIENT_CLOSED_REQUEST' }, { path: '/first', status: 200 }]);
    // A third request proves the pool went on to serve (and so would have sent /queued by now).
    const c = await openSocket(gw.url);
    cleanups.push(() => void c.destroy());
    c.write('GET /third HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => paths.includes('/third'), 'the third request to reach the upstream');
    expect(paths).toEqual(['/first', '/third']);
    a.destroy();
  });
});
