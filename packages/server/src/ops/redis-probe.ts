import net from 'node:net';
import tls from 'node:tls';

/**
 * The few Redis commands `keyward doctor` sends (AUTH, PING, INFO, CLUSTER INFO/SLOTS, EVAL, TIME), spoken in RESP over
 * one socket with a deadline. A probe of its own rather than the server's Redis client: the doctor
 * must diagnose a Redis that the client would refuse to start with (no Lua, wrong password).
 */
export type RespValue = string | number | null | RespError | RespValue[];
export class RespError extends Error {}

export interface RedisProbe {
  command(...args: string[]): Promise<RespValue>;
  close(): void;
}

/** Connects to `redis://[user:password@]host:port[/db]` (or rediss://), authenticating and selecting the database. */
export async function openRedisProbe(url: string, timeoutMs: number): Promise<RedisProbe> {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('must be a redis:// or rediss:// URL');
  const port = Number(u.port || 6379);
  // URL keeps an IPv6 host in brackets; SNI carries host names only (RFC 6066), never an address.
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const socket: net.Socket = u.protocol === 'rediss:' ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }) }) : net.connect({ host, port });
  socket.setTimeout(timeoutMs);
  let buffer = Buffer.alloc(0);
  const waiting: Array<{ resolve: (v: RespValue) => void; reject: (e: Error) => void }> = [];
  const failAll = (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parse(buffer, 0);
      if (!parsed) break;
      buffer = buffer.subarray(parsed.end);
      const w = waiting.shift();
      if (!w) continue;
      if (parsed.value instanceof RespError) w.reject(parsed.value);
      else w.resolve(parsed.value);
    }
  });
  socket.on('timeout', () => {
    failAll(new Error(`no answer within ${timeoutMs} ms`));
    socket.destroy();
  });
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error('connection closed')));
  await new Promise<void>((resolve, reject) => {
    socket.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
    socket.once('timeout', () => reject(new Error(`cannot connect within ${timeoutMs} ms`)));
  });
  const probe: RedisProbe = {
    command(...args) {
      return new Promise<RespValue>((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      });
    },
    close: () => socket.destroy(),
  };
  try {
    const password = decodeURIComponent(u.password);
    if (password) await probe.command('AUTH', ...(u.username ? [decodeURIComponent(u.username)] : []), password);
    const db = u.pathname.replace(/^\//, '');
    if (db) await probe.command('SELECT', db);
  } catch (err) {
    probe.close();
    throw err;
  }
  return probe;
}

/** One RESP2 value from `buf` at `at`, or undefined when more bytes are needed. */
function parse(buf: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, nl);
  switch (type) {
    case '+':
      return { value: line, end: nl + 2 };
    case '-':
      return { value: new RespError(line), end: nl + 2 };
    case ':':
      return { value: Number(line), end: nl + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      if (buf.length < nl + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      const items: RespValue[] = [];
      let end = nl + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      return { value: new RespError(`unexpected reply type ${type}`), end: nl + 2 };
  }
}
