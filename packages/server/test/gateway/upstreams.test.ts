import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap, PolicyLoadError } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { startUpstream } from './upstream.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function problemsOf(text: string): { path: string; message: string }[] {
  try {
    parseAccessMap(text, 'map.yaml');
  } catch (err) {
    if (err instanceof PolicyLoadError) return err.problems.map((p) => ({ path: p.path, message: p.message }));
    throw err;
  }
  return [];
}

/** Three real upstreams: the default (`--upstream`), `orders` (with a base path) and `files`. */
async function setup() {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'srv' }, CLI);
  const fallback = await startUpstream();
  const orders = await startUpstream();
  const files = await startUpstream();
  cleanups.push(fallback.close, orders.close, files.close);
  const map = parseAccessMap(`
version: 1
upstreams:
  orders: { url: "${orders.url}/api/v2/", audience: orders }
  files: { url: "${files.url}" }
resources:
  - { path: "/orders/{id}", methods: [GET, POST], allow: [secret, token], upstream: orders }
  - { path: "/files/*", methods: [GET], allow: [secret], upstream: files }
  - { path: /health, methods: [GET], allow: [secret, token], audience: health }
`);
  const policy = createGatewayPolicy({ kw, map: compileAccessMap(map), limits: new MemoryRateLimitStore(), environment: 'live' });
  const gw = createGateway({ upstreamUrl: fallback.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const base = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
  const call = async (path: string, auth = sk.secret, method: 'GET' | 'POST' = 'GET') => {
    const res = await request(base + path, { method, headers: { authorization: `Bearer ${auth}` }, ...(method === 'POST' ? { body: '{"n":1}' } : {}) });
    await res.body.text();
    return { status: res.statusCode, code: res.headers['x-keyward-code'] };
  };
  const mint = async (audience: string) => (await kw.tokens.mint({ appId: app.id, environment: 'live', subject: 'u1', scopes: [], audience, ttlSeconds: 300 })).token;
  return { call, mint, fallback, orders, files };
}

describe('named upstreams', () => {
  it('sends each resource to its own upstream, with exactly the path and query the map matched', async () => {
    const s = await setup();
    expect((await s.call('/orders/o%2D1?expand=items&x=%20')).status).toBe(200);
    expect((await s.call('/orders/o2', undefined, 'POST')).status).toBe(200);
    expect((await s.call('/files/a/b.txt')).status).toBe(200);
    expect((await s.call('/health', await s.mint('health'))).status).toBe(200);
    // The named upstream's base path comes first, then the client's target byte for byte.
    expect(s.orders.seen.map((r) => [r.method, r.url, r.body])).toEqual([
      ['GET', '/api/v2/orders/o%2D1?expand=items&x=%20', ''],
      ['POST', '/api/v2/orders/o2', '{"n":1}'],
    ]);
    expect(s.files.seen.map((r) => r.url)).toEqual(['/files/a/b.txt']);
    // A resource without `upstream:` goes to the default one, and only it went there.
    expect(s.fallback.seen.map((r) => r.url)).toEqual(['/health']);
  });

  it('a refused request reaches no upstream at all', async () => {
    const s = await setup();
    expect(await s.call('/orders/o1', 'kw_sk_nope')).toMatchObject({ status: 401 });
    expect(await s.call('/files/a', undefined, 'POST')).toMatchObject({ status: 403, code: 'ACCESS_DENIED' });
    expect([s.orders.seen.length, s.files.seen.length, s.fallback.seen.length]).toEqual([0, 0, 0]);
  });

  it('an upstream audience applies to the resources routed there (a resource audience still wins)', async () => {
    const s = await setup();
    expect((await s.call('/orders/o1', await s.mint('orders'))).status).toBe(200);
    expect(await s.call('/orders/o1', await s.mint('health'))).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    expect(await s.call('/health', await s.mint('orders'))).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    expect(s.orders.seen).toHaveLength(1);
  });
});

describe('named upstreams: validation', () => {
  const resource = (extra: string) => `version: 1\nupstreams:\n  orders: { url: "http://127.0.0.1:3001" }\nresources:\n  - { path: /a, allow: [secret]${extra} }\n`;

  it('an unknown upstream name is a problem naming it (and the declared ones)', () => {
    expect(problemsOf(resource(', upstream: billing'))).toEqual([{ path: 'resources.0.upstream', message: 'no upstream named "billing" under upstreams: (declared: orders)' }]);
    expect(problemsOf('version: 1\nresources:\n  - { path: /a, allow: [secret], upstream: orders }\n')[0]).toEqual({ path: 'resources.0.upstream', message: 'no upstream named "orders" under upstreams: (none declared)' });
  });

  it('an upstream URL must be absolute http(s), without credentials, query or fragment', () => {
    const bad = (url: string) => problemsOf(`version: 1\nupstreams:\n  o: { url: "${url}" }\nresources:\n  - { path: /a, allow: [secret], upstream: o }\n`).map((p) => p.path);
    for (const url of ['localhost:3000', 'ftp://h/x', '/relative', 'http://u:p@h/', 'http://h/?a=1', 'http://h/#f']) expect(bad(url), url).toContain('upstreams.o.url');
    expect(bad('https://orders.internal:8443/base')).toEqual([]);
  });

  it('an upstream has only url and audience, and a sane name', () => {
    expect(problemsOf('version: 1\nupstreams:\n  o: { url: "http://h", weight: 2 }\n  "9x": { url: "http://h" }\nresources:\n  - { path: /a, allow: [secret] }\n').map((p) => p.path)).toEqual(['upstreams.o.weight', 'upstreams.9x']);
  });
});
