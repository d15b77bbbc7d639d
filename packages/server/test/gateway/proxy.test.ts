import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { generateKey } from '@keyward/protocol';
import { createGateway } from '../../src/gateway/proxy.js';
import type { GatewayPolicy } from '../../src/gateway/types.js';
import { CLI, makeKeyward } from '../helpers.js';
import { startUpstream } from './upstream.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A real (if minimal) policy: any valid secret key of the app may call anything. */
async function keyPolicy() {
  const { kw } = await makeKeyward();
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
  const policy: GatewayPolicy = {
    needsBody: () => false,
    async decide(req) {
      const auth = req.headers.authorization?.replace(/^Bearer /, '') ?? (req.headers['x-api-key'] as string | undefined);
      if (!auth) return { allow: false, code: 'CREDENTIAL_MISSING' };
      const d = await kw.verifier.verify(auth, { kinds: ['secret'] });
      if (!d.valid) return { allow: false, code: d.code };
      return { allow: true, upstreamHeaders: { 'x-keyward-key-id': d.key.id }, responseHeaders: { 'ratelimit-policy': '"default";q=100;w=60' } };
    },
  };
  return { kw, key: sk.secret, keyId: sk.key.id, policy };
}

async function start(upstreamUrl: string, policy: GatewayPolicy, extra: Partial<Parameters<typeof createGateway>[0]> = {}) {
  const gw = createGateway({ upstreamUrl, policy, clientIp: (req) => req.socket.remoteAddress ?? '', ...extra });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  return `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
}

function rawRequest(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, 1500);
  });
}

describe('gateway proxy', () => {
  it('forwards an allowed request once, strips credentials and forged identity headers, adds its own', async () => {
    const up = await startUpstream();
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const res = await request(`${gw}/v1/things?x=1`, { method: 'POST', headers: { authorization: `Bearer ${p.key}`, 'x-keyward-key-id': 'forged', 'content-type': 'application/json', cookie: 'a=b' }, body: '{"hello":1}' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=100;w=60');
    expect(res.headers['x-upstream']).toBe('yes');
    expect(await res.body.json()).toEqual({ ok: true, url: '/v1/things?x=1' });
    expect(up.seen).toHaveLength(1);
    const h = up.seen[0]!.headers;
    expect(h.authorization).toBeUndefined();
    expect(h.cookie).toBeUndefined();
    expect(h['x-keyward-key-id']).toBe(p.keyId);
    expect(up.seen[0]!.body).toBe('{"hello":1}');
  });

  it('refused requests never reach the upstream; every 401 names its scheme in WWW-Authenticate', async () => {
    const up = await startUpstream();
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'CREDENTIAL_MISSING'],
      [{ authorization: `Bearer ${generateKey('secret', 'live')}` }, 401, 'INVALID_CREDENTIAL'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await request(`${gw}/v1/things`, { headers });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(((await res.body.json()) as { code: string }).code).toBe(code);
    }
    expect(up.seen).toHaveLength(0);
  });

  it.each([
    ['CL and TE together', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two Content-Length', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'],
    ['two Host headers', 'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['TE not chunked', 'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
    ['obfuscated TE', 'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
    ['absolute-form target', 'GET http://evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n'],
  ])('smuggling attempt refused before any upstream traffic: %s', async (_name, text) => {
    const up = await startUpstream();
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const withAuth = text.replace('Host: a\r\n', `Host: a\r\nConnection: close\r\nAuthorization: Bearer ${p.key}\r\n`);
    const out = await rawRequest(gw, withAuth);
    expect(out).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(up.seen).toHaveLength(0);
  });

  it('a policy that throws (synchronously) or rejects fails closed: 503 STORE_UNAVAILABLE, the error reported, nothing forwarded', async () => {
    const up = await startUpstream();
    cleanups.push(up.close);
    const broken = new Error('store down');
    const allow = { allow: true, upstreamHeaders: {}, responseHeaders: {} } as const;
    // decide may answer a value (no I/O needed) or a promise: a broken dependency surfaces either way.
    const policies: [string, GatewayPolicy['decide']][] = [
      ['throws', () => { throw broken; }],
      ['rejects', () => Promise.reject(broken)],
      ['answers synchronously', () => allow],
    ];
    for (const [name, decide] of policies) {
      const errors: unknown[] = [];
      const gw = await start(up.url, { needsBody: () => false, decide }, { onError: (err) => errors.push(err) });
      const res = await request(`${gw}/v1/things`);
      const body = (await res.body.json()) as { code?: string };
      if (name === 'answers synchronously') {
        expect(res.statusCode, name).toBe(200);
        expect(errors, name).toEqual([]);
      } else {
        expect(res.statusCode, name).toBe(503);
        expect(body.code, name).toBe('STORE_UNAVAILABLE');
        expect(errors, name).toEqual([broken]);
      }
    }
    expect(up.seen).toHaveLength(1); // only the allowed one
  });

  it('oversized headers get 431 and no upstream traffic', async () => {
    const up = await startUpstream();
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy, { maxHeaderBytes: 4096 });
    const out = await rawRequest(gw, `GET /x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 431/);
    expect(out).toContain('HEADERS_TOO_LARGE');
    expect(out).toMatch(/\r\nx-keyward-code: HEADERS_TOO_LARGE\r\n/); // the SDK's refusal test needs the header too
    expect(up.seen).toHaveLength(0);
  });

  it('upstream down → 502 UPSTREAM_UNAVAILABLE; slow → 504 UPSTREAM_TIMEOUT, never a hang', async () => {
    const p = await keyPolicy();
    const down = await start('http://127.0.0.1:9', p.policy, { connectTimeoutMs: 500 });
    const r1 = await request(`${down}/x`, { headers: { authorization: `Bearer ${p.key}` } });
    expect(r1.statusCode).toBe(502);
    expect(((await r1.body.json()) as { code: string }).code).toBe('UPSTREAM_UNAVAILABLE');

    let hits = 0;
    const slow = await startUpstream((_req, res) => {
      hits++;
      setTimeout(() => res.end('late'), 2000);
    });
    cleanups.push(slow.close);
    const gw = await start(slow.url, p.policy, { headersTimeoutMs: 200 });
    const t0 = Date.now();
    const r2 = await request(`${gw}/x`, { method: 'POST', headers: { authorization: `Bearer ${p.key}` }, body: 'x' });
    expect(r2.statusCode).toBe(504);
    expect(((await r2.body.json()) as { code: string }).code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(hits).toBe(1); // not retried
  });

  it('streams responses and request bodies without buffering them whole', async () => {
    let releaseUpstream!: () => void;
    const gate = new Promise<void>((r) => (releaseUpstream = r));
    let firstRequestChunkAt = 0;
    let requestEndedAt = 0;
    const up = await startUpstream(async (req, res) => {
      req.once('data', () => (firstRequestChunkAt = Date.now()));
      req.on('end', () => (requestEndedAt = Date.now()));
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first-chunk;');
      await gate;
      res.end('last-chunk');
    });
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const { Readable } = await import('node:stream');
    let pushMore!: () => void;
    const more = new Promise<void>((r) => (pushMore = r));
    const body = Readable.from((async function* () {
      yield Buffer.from('part-1;');
      await more;
      yield Buffer.from('part-2');
    })());
    const resP = request(`${gw}/upload`, { method: 'POST', headers: { authorization: `Bearer ${p.key}`, 'content-type': 'text/plain' }, body });
    await new Promise((r) => setTimeout(r, 300));
    expect(firstRequestChunkAt).toBeGreaterThan(0); // upstream saw part 1 while the client was still sending
    expect(requestEndedAt).toBe(0);
    pushMore();
    const res = await resP;
    const reader = res.body[Symbol.asyncIterator]();
    const first = await reader.next();
    expect(String(first.value)).toBe('first-chunk;'); // client got the first chunk while upstream was still writing
    releaseUpstream();
    let rest = '';
    for (let c = await reader.next(); !c.done; c = await reader.next()) rest += String(c.value);
    expect(rest).toBe('last-chunk');
  });
  it('backpressure: a client that stops reading pauses the upstream instead of buffering its body', async () => {
    const total = 128 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 120);
    let written = 0;
    const up = await startUpstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const { port } = new URL(gw);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.pause(); // read nothing for a while
    socket.write(`GET /big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${p.key}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 800));
    // Socket buffers on loopback hold a few MiB each; without backpressure all 128 MiB would be pushed.
    expect(written).toBeLessThan(48 * 1024 * 1024);
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= total) resolve();
      });
      socket.on('error', reject);
      socket.resume();
    });
    socket.destroy();
    expect(written).toBe(total);
    expect(received).toBeGreaterThan(total); // the body plus the status line and headers
  });

  it('a client that goes away mid-response aborts the upstream request', async () => {
    let upstreamClosed = false;
    const up = await startUpstream((req, res) => {
      req.resume();
      res.on('close', () => (upstreamClosed = true));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;'); // and never finishes
    });
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const res = await request(`${gw}/stream`, { headers: { authorization: `Bearer ${p.key}` } });
    const reader = res.body[Symbol.asyncIterator]();
    expect(String((await reader.next()).value)).toBe('first;');
    res.body.destroy();
    for (let i = 0; i < 50 && !upstreamClosed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(upstreamClosed).toBe(true);
  });

  it('an upstream that dies mid-body truncates the client response instead of completing it', async () => {
    const up = await startUpstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('only part;');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const res = await request(`${gw}/dies`, { headers: { authorization: `Bearer ${p.key}` } });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
  });
  it('bodiless answers (HEAD, 204, 304) pass through complete and the connection stays usable', async () => {
    const up = await startUpstream((req, res) => {
      req.resume();
      if (req.url === '/none') return void res.writeHead(204).end();
      if (req.url === '/same') return void res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    cleanups.push(up.close);
    const p = await keyPolicy();
    const gw = await start(up.url, p.policy);
    const auth = { authorization: `Bearer ${p.key}` };
    const head = await request(`${gw}/doc`, { method: 'HEAD', headers: auth });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe('5');
    expect(await head.body.text()).toBe('');
    const none = await request(`${gw}/none`, { headers: auth });
    expect(none.statusCode).toBe(204);
    expect(await none.body.text()).toBe('');
    const same = await request(`${gw}/same`, { headers: { ...auth, 'if-none-match': '"v1"' } });
    expect(same.statusCode).toBe(304);
    expect(same.headers.etag).toBe('"v1"');
    expect(await same.body.text()).toBe('');
    const get = await request(`${gw}/doc`, { headers: auth });
    expect(await get.body.text()).toBe('hello');
  });
});
