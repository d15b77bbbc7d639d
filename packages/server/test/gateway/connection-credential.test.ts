import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { generateKey } from '@keyward/protocol';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { startUpstream } from './upstream.js';

/**
 * The gateway remembers the digest of the key a keep-alive connection last had accepted
 * (credentials/authenticate.ts), so it is not hashed again. These tests run over one real client
 * connection and check that the memo never stands in for a decision: a revocation applies to the
 * next request, and another key on the same connection is checked as itself.
 */
const MAP = `
version: 1
resources:
  - path: /things
    methods: [GET]
    allow: [secret]
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function oneConnection() {
  const { kw } = await makeKeyward();
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const policy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore(), environment: 'live' });
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  let sockets = 0;
  gw.server.on('connection', () => sockets++);
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const client = new Client(`http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`, { pipelining: 1 }); // one connection
  cleanups.push(() => client.close());
  const call = async (key: string) => {
    const res = await client.request({ method: 'GET', path: '/things', headers: { authorization: `Bearer ${key}` } });
    await res.body.text();
    return { status: res.statusCode, code: res.headers['x-keyward-code'] };
  };
  const newKey = async () => (await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI)).secret;
  return { kw, up, call, newKey, sockets: () => sockets };
}

describe('the key a gateway connection presented last', () => {
  it('a key revoked between two requests on the same connection is refused on the second, and never forwarded', async () => {
    const { kw, up, call, newKey, sockets } = await oneConnection();
    const key = await newKey();
    expect((await call(key)).status).toBe(200);
    expect((await call(key)).status).toBe(200);
    const id = up.seen[0]!.headers['x-keyward-credential-id'] as string;
    await kw.keys.revoke(id, 'test', CLI);
    expect(await call(key)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIAL' });
    expect(up.seen).toHaveLength(2);
    expect(sockets()).toBe(1); // all on one connection: the memo was in play
  });

  it('another key on the same connection is checked as itself, whatever came before it', async () => {
    const { up, call, newKey, sockets } = await oneConnection();
    const first = await newKey();
    const second = await newKey();
    expect((await call(first)).status).toBe(200);
    // A well-formed key that was never issued, then a real one: neither is taken for the remembered key.
    expect(await call(generateKey('secret', 'live'))).toMatchObject({ status: 401, code: 'INVALID_CREDENTIAL' });
    expect((await call(second)).status).toBe(200);
    expect((await call(first)).status).toBe(200);
    const ids = up.seen.map((s) => s.headers['x-keyward-credential-id']);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(sockets()).toBe(1);
  });
});
