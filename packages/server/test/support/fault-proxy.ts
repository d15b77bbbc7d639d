import net from 'node:net';

/**
 * A small TCP fault proxy for tests (there is no toxiproxy here): it forwards connections to a
 * target and, on demand, delays every chunk, drops traffic (holds it, so the peer waits as if a
 * network partition happened), refuses new connections, or resets every open one. Put it in front
 * of PostgreSQL, Redis or an upstream and point the client at `port`.
 *
 * Modes apply at once to connections already open as well as new ones.
 */
export type FaultMode =
  /** Forward everything. */
  | { readonly kind: 'pass' }
  /** Forward each chunk after `ms`, both ways (order is kept). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Accept and read, but forward nothing either way: requests hang until a timeout fires. */
  | { readonly kind: 'drop' }
  /** Accept, then reset at once (RST): "connection reset by peer". */
  | { readonly kind: 'reset' };

export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  set(mode: FaultMode): void;
  /** Resets (RST) every open connection, whatever the mode. */
  resetAll(): void;
  close(): Promise<void>;
}

/** `listenPort`: a fixed local port (a test's own range); default, one the OS picks. */
export async function startFaultProxy(target: { readonly host: string; readonly port: number }, listenPort = 0): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  let accepted = 0;
  const open = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => {});
  };
  /** Pipes `from` into `to` through the current mode. */
  const relay = (from: net.Socket, to: net.Socket) => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const m = mode;
      if (m.kind === 'drop') return;
      if (m.kind === 'reset') {
        from.resetAndDestroy();
        to.resetAndDestroy();
        return;
      }
      if (m.kind === 'pass') {
        chain = chain.then(() => void (to.destroyed || to.write(chunk)));
        return;
      }
      chain = chain.then(() => new Promise<void>((r) => setTimeout(() => (to.destroyed || to.write(chunk), r()), m.ms)));
    });
    from.once('end', () => void chain.then(() => to.end()));
    from.once('close', () => void chain.then(() => to.destroy()));
  };
  const server = net.createServer((client) => {
    accepted++;
    track(client);
    if (mode.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    set(m) {
      mode = m;
      if (m.kind === 'reset') for (const s of open) s.resetAndDestroy();
    },
    resetAll() {
      for (const s of open) s.resetAndDestroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
