import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/lib/clock.js';
import { leakKeySource } from '../../src/leaks/public-keys.js';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const doc = { public_keys: [{ key_identifier: 'k1', key: pem(), is_current: true }] };
let requests = 0;
let status = 200;
const server = createServer((_req, res) => {
  requests++;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/meta/public_keys/secret_scanning`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('leak-report public keys from a URL', () => {
  it('fetches on first use, caches, refetches when stale or (at most once a minute) for an unknown key id, and keeps the old keys when a fetch fails', async () => {
    requests = 0;
    const clock = manualClock(0);
    const errors: unknown[] = [];
    const source = leakKeySource({ file: '', url, cacheSeconds: 3600, now: clock, onError: (e) => errors.push(e) });
    expect(source.configured).toBe(true);
    expect((await source.keys()).map((k) => k.keyIdentifier)).toEqual(['k1']);
    await source.keys();
    expect(requests).toBe(1);
    clock.advance(61_000);
    await source.keys('k2');
    expect(requests).toBe(2);
    await source.keys('k2');
    expect(requests).toBe(2);
    status = 500;
    clock.advance(3_600_001);
    expect((await source.keys()).map((k) => k.keyIdentifier)).toEqual(['k1']);
    expect(requests).toBe(3);
    expect(errors).toHaveLength(1);
    status = 200;
  });

  it('neither file nor URL: not configured', () => {
    expect(leakKeySource({ file: '', url: '', cacheSeconds: 60, now: () => 0 }).configured).toBe(false);
  });
});
