import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SIGNED_BODY_BYTES } from '../../src/lib/body.js';
import { keywardExpress } from '../../src/middleware/express.js';
import { keywardFastify } from '../../src/middleware/fastify.js';
import { keywardHono } from '../../src/middleware/hono.js';
import { makeKeyward } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const CAP = 4096;
const SIGNED = 'signature-input: sig1=("@method");keyid="key_x";created=1\r\nsignature: sig1=:AAAA:\r\n';

/**
 * Sends a signed, chunked body larger than the cap and then never finishes it: a middleware that
 * buffered the whole body would never answer. Returns the status line and the catalogue code.
 */
function overCap(port: number, path: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n${SIGNED}\r\n`);
      const chunk = 'a'.repeat(CAP * 2);
      socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    let text = '';
    socket.on('data', (c) => {
      text += c.toString('latin1');
      if (text.includes('\r\n\r\n') && text.includes('}')) {
        socket.destroy();
        resolve({ status: Number(text.split(' ')[1]), code: /x-keyward-code: (\w+)/i.exec(text)?.[1] });
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`no answer: ${text}`)), 4000).unref();
  });
}

describe('every middleware caps the signed body it reads (maxBodyBytes, 413 PAYLOAD_TOO_LARGE)', () => {
  it('defaults to 1 MiB everywhere', () => {
    expect(MAX_SIGNED_BODY_BYTES).toBe(1024 * 1024);
  });

  it('Express', async () => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const app = express();
    app.use(keywardExpress({ verifiers: kw.credentials, maxBodyBytes: CAP }));
    app.use((_req, res) => res.json({ reached: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
    expect(await overCap((server.address() as AddressInfo).port, '/x')).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('Fastify', async () => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const app = Fastify();
    await app.register(keywardFastify({ verifiers: kw.credentials, maxBodyBytes: CAP }));
    app.post('/x', async () => ({ reached: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      app.server.closeAllConnections();
      await app.close();
    });
    expect(await overCap((app.server.address() as AddressInfo).port, '/x')).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('Hono: answers 413 and stops pulling the stream at the cap', async () => {
    const { kw } = await makeKeyward();
    cleanups.push(() => kw.close());
    const app = new Hono();
    app.use('*', keywardHono({ verifiers: kw.credentials, maxBodyBytes: CAP }));
    app.post('*', (c) => c.json({ reached: true }));
    let pulled = 0;
    // An endless body: only a capped reader ever returns.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const res = await app.request('http://localhost/x', { method: 'POST', body, headers: { 'signature-input': 'sig1=("@method");keyid="key_x"', signature: 'sig1=:AAAA:', 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('x-keyward-code')).toBe('PAYLOAD_TOO_LARGE');
    expect(((await res.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    expect(pulled).toBeLessThanOrEqual(CAP + 4 * 1024);
  });

  it('refuses a nonsensical cap at construction', () => {
    expect(() => keywardHono({ verifiers: { keys: undefined as never }, maxBodyBytes: 0 })).toThrow(TypeError);
  });
});
