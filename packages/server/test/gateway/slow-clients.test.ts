import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createGateway, type GatewayOptions } from '../../src/gateway/proxy.js';
import type { GatewayPolicy } from '../../src/gateway/types.js';
import { openSocket, parseRaw } from './raw.js';
import { startUpstream } from './upstream.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * A real policy whose credential is the X-Api-Key value, and a client address read from a test
 * header, so one test process can play many credentials and addresses.
 */
const policy: GatewayPolicy = {
  needsBody: () => false,
  async decide(req) {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string') return { allow: false, code: 'CREDENTIAL_MISSING' };
    return { allow: true, upstreamHeaders: {}, responseHeaders: {}, credentialId: key };
  },
};

async function setup(extra: Partial<GatewayOptions>) {
  const up = await startUpstream();
  cleanups.push(up.close);
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => String(req.headers['x-test-client'] ?? req.socket.remoteAddress), ...extra });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  return { up, url: `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}` };
}

/** An upload that announces 1000 bytes and sends one every 50 ms (20 bytes/s). */
async function slowUpload(url: string, key: string, client: string): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = await openSocket(url);
  cleanups.push(() => void socket.destroy());
  let out = '';
  socket.on('data', (d) => (out += d.toString()));
  socket.write(`POST /upload HTTP/1.1\r\nHost: a\r\nX-Api-Key: ${key}\r\nX-Test-Client: ${client}\r\nContent-Length: 1000\r\n\r\n`);
  const drip = setInterval(() => socket.writable && socket.write('x'), 50);
  cleanups.push(() => clearInterval(drip));
  const answer = new Promise<string>((resolve) => {
    const finish = () => {
      clearInterval(drip);
      resolve(out);
    };
    socket.on('close', finish);
    socket.on('data', () => out.includes('\r\n\r\n') && setTimeout(finish, 20));
  });
  return { socket, answer };
}

describe('gateway slow clients', () => {
  it('normal requests keep answering fast while many slow uploads run (one credential, many addresses)', async () => {
    const s = await setup({ upstreamConnections: 4, bodyMinBytesPerSecond: 200, bodyRateWindowMs: 300, bodyDeadlineMs: 3000 });
    const uploads = await Promise.all(Array.from({ length: 12 }, (_, i) => slowUpload(s.url, 'attacker', `10.0.0.${i}`)));
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await request(`${s.url}/normal/${i}`, { headers: { 'x-api-key': 'someone-else', 'x-test-client': '10.9.9.9' }, headersTimeout: 2000 });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      expect(performance.now() - started).toBeLessThan(250);
    }
    const answers = (await Promise.all(uploads.map((u) => u.answer))).map(parseRaw);
    // the credential may hold three of the four upstream connections; those are cut at the rate check
    expect(answers.filter((a) => a.code === 'TOO_MANY_IN_FLIGHT' && a.status === 429)).toHaveLength(9);
    expect(answers.filter((a) => a.code === 'REQUEST_TIMEOUT' && a.status === 408)).toHaveLength(3);
    expect(s.up.seen.map((r) => r.url)).toEqual(['/normal/0', '/normal/1', '/normal/2', '/normal/3', '/normal/4']);
  }, 15_000);

  it('a body slower than the minimum rate gets 408 REQUEST_TIMEOUT and its upstream request is aborted', async () => {
    const s = await setup({ bodyMinBytesPerSecond: 200, bodyRateWindowMs: 200, bodyDeadlineMs: 5000 });
    const started = performance.now();
    const u = await slowUpload(s.url, 'k', '10.0.0.1');
    expect(parseRaw(await u.answer)).toEqual({ status: 408, code: 'REQUEST_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(1500);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.up.seen).toHaveLength(0); // the upstream never got a complete request
  });

  it('a body fast enough but past the deadline gets 408 REQUEST_TIMEOUT', async () => {
    const s = await setup({ bodyMinBytesPerSecond: 1, bodyRateWindowMs: 100, bodyDeadlineMs: 400 });
    const started = performance.now();
    const u = await slowUpload(s.url, 'k', '10.0.0.1');
    expect(parseRaw(await u.answer)).toEqual({ status: 408, code: 'REQUEST_TIMEOUT' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('one client address may hold only maxInFlightPerClient requests', async () => {
    const s = await setup({ maxInFlightPerClient: 2, bodyMinBytesPerSecond: 1, bodyRateWindowMs: 1000, bodyDeadlineMs: 1000 });
    const held = await Promise.all([slowUpload(s.url, 'a', '10.0.0.7'), slowUpload(s.url, 'b', '10.0.0.7')]);
    await new Promise((r) => setTimeout(r, 50));
    const third = await request(`${s.url}/x`, { headers: { 'x-api-key': 'c', 'x-test-client': '10.0.0.7' } });
    expect(third.statusCode).toBe(429);
    expect(third.headers['x-keyward-code']).toBe('TOO_MANY_IN_FLIGHT');
    await third.body.dump();
    const other = await request(`${s.url}/x`, { headers: { 'x-api-key': 'c', 'x-test-client': '10.0.0.8' } });
    expect(other.statusCode).toBe(200);
    await other.body.dump();
    for (const h of held) h.socket.destroy();
  });

  it('headers that arrive too slowly get 408 REQUEST_TIMEOUT from the gateway itself', async () => {
    const s = await setup({ clientHeadersTimeoutMs: 200 });
    const socket = await openSocket(s.url);
    cleanups.push(() => void socket.destroy());
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.write('GET /x HTTP/1.1\r\nHost: a\r\n');
    await new Promise((r) => socket.once('close', r));
    expect(parseRaw(out)).toEqual({ status: 408, code: 'REQUEST_TIMEOUT' });
    expect(s.up.seen).toHaveLength(0);
  });

  it.each([
    ['bodyMinBytesPerSecond', { bodyMinBytesPerSecond: 0 }],
    ['maxInFlightPerClient', { maxInFlightPerClient: 1.5 }],
    ['clientRequestTimeoutMs', { clientHeadersTimeoutMs: 5000, clientRequestTimeoutMs: 1000 }],
    ['bodyRateWindowMs', { bodyRateWindowMs: 10_000, bodyDeadlineMs: 1000 }],
  ])('refuses a nonsensical %s at start', (_name, extra) => {
    expect(() => createGateway({ upstreamUrl: 'http://127.0.0.1:9', policy, clientIp: () => '', ...extra })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
