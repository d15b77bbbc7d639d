import { connect, type Socket } from 'node:net';

/** A raw HTTP/1.1 exchange on a TCP socket, for requests an HTTP client would refuse to send or would normalize. */
export function rawRequest(url: string, text: string, waitMs = 1500): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
    socket.on('data', (d) => (out += d.toString()));
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (out) resolve(out);
      else reject(err);
    });
  });
}

/** Status and `x-keyward-code` of the first response in a raw answer. */
export function parseRaw(out: string): { status: number; code: string | undefined } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
  const code = /\r\nx-keyward-code: ([A-Z_]+)/i.exec(out)?.[1];
  return { status, code };
}

export function openSocket(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
