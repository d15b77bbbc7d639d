import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { compileAccessMap, explain } from '../../src/policy/evaluate.js';
import type { PolicyLoadError } from '../../src/policy/load.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { FRAMEWORKS } from '../middleware/probes.js';
import { startUpstream } from './upstream.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Two services behind one gateway: `/payments` names its audience, `/files` takes the map's default. */
const MAP = `
version: 1
audience: files
resources:
  - { path: /payments/charge, methods: [POST], allow: [token], audience: payments }
  - { path: "/files/{userId}", methods: [GET], allow: [token, secret], subject: userId }
`;

const NO_AUDIENCE_MAP = `
version: 1
resources:
  - { path: "/files/{userId}", methods: [GET], allow: [token, secret], subject: userId }
`;

async function setup(map: string, gatewayAudience?: string) {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'srv' }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const policy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(map)), limits: new MemoryRateLimitStore(), environment: 'live', ...(gatewayAudience ? { audience: gatewayAudience } : {}) });
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const mint = async (audience: string) => (await kw.tokens.mint({ appId: app.id, environment: 'live', subject: 'u1', scopes: [], audience, ttlSeconds: 300 })).token;
  const base = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
  const call = async (method: 'GET' | 'POST', path: string, auth: string) => {
    const res = await request(base + path, { method, headers: { authorization: `Bearer ${auth}` }, ...(method === 'POST' ? { body: '{}' } : {}) });
    await res.body.text();
    return { status: res.statusCode, code: res.headers['x-keyward-code'] };
  };
  return { kw, up, mint, call, sk: sk.secret };
}

describe('token audience over the real gateway', () => {
  it('refuses a token minted for another service and forwards nothing; accepts it on its own service', async () => {
    const s = await setup(MAP);
    const payments = await s.mint('payments');
    expect(await s.call('GET', '/files/u1', payments)).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    expect(s.up.seen).toHaveLength(0);
    expect((await s.call('POST', '/payments/charge', payments)).status).toBe(200);
    const files = await s.mint('files');
    expect(await s.call('POST', '/payments/charge', files)).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    // The map's default audience covers the resource that names none.
    expect((await s.call('GET', '/files/u1', files)).status).toBe(200);
    expect(s.up.seen.map((r) => r.url)).toEqual(['/payments/charge', '/files/u1']);
  });

  it('falls back to the gateway audience, and with no audience anywhere refuses every token (fail closed)', async () => {
    const withGatewayAudience = await setup(NO_AUDIENCE_MAP, 'files');
    expect((await withGatewayAudience.call('GET', '/files/u1', await withGatewayAudience.mint('files'))).status).toBe(200);
    expect(await withGatewayAudience.call('GET', '/files/u1', await withGatewayAudience.mint('payments'))).toEqual({ status: 401, code: 'TOKEN_INVALID' });

    const unconfigured = await setup(NO_AUDIENCE_MAP);
    expect(await unconfigured.call('GET', '/files/u1', await unconfigured.mint('files'))).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    expect(unconfigured.up.seen).toHaveLength(0);
    // Keys are not scoped to a service: the audience rule does not touch them.
    expect((await unconfigured.call('GET', '/files/u1', unconfigured.sk)).status).toBe(200);
  });

  it('explains the refusal with its reason', () => {
    const compiled = compileAccessMap(parseAccessMap(MAP));
    const caller = { scheme: 'token', kind: 'token', id: 'j', appId: 'app', environment: 'live', subject: 'u1', scopes: [], signed: false, session: false, attested: false, audience: 'payments' } as const;
    expect(explain(compiled, { method: 'GET', path: '/files/u1' }, caller).decision).toMatchObject({ allowed: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' });
    const bare = compileAccessMap(parseAccessMap(NO_AUDIENCE_MAP));
    expect(explain(bare, { method: 'GET', path: '/files/u1' }, caller).decision).toMatchObject({ allowed: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE_NOT_CONFIGURED' });
  });

  it('validates audience in the map file with a path to the field', () => {
    const bad = `version: 1\naudience: ""\nresources:\n  - { path: /a, allow: [token], audience: 7 }\n`;
    let problems: readonly { path: string }[] = [];
    try {
      parseAccessMap(bad);
    } catch (err) {
      problems = (err as PolicyLoadError).problems;
    }
    expect(problems.map((p) => p.path).sort()).toEqual(['audience', 'resources.0.audience']);
  });
});

describe.each(FRAMEWORKS)('token audience in the %s middleware', (_name, makeProbe) => {
  it('applies the same audience rule through the shared access map', async () => {
    const { kw } = await makeKeyward({ startMs: Date.now() });
    cleanups.push(() => kw.close());
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const accessMap = compileAccessMap(parseAccessMap('version: 1\naudience: files\nresources:\n  - { path: /me, methods: [GET], allow: [token] }\n'));
    const probe = await makeProbe({ verifiers: kw.credentials, environment: 'live', accessMap }, cleanups);
    const mint = async (audience: string) => (await kw.tokens.mint({ appId: app.id, environment: 'live', subject: 'u1', scopes: [], audience, ttlSeconds: 300 })).token;
    const other = await probe({ authorization: `Bearer ${await mint('payments')}` });
    expect({ status: other.status, code: other.code, reached: other.reached }).toEqual({ status: 401, code: 'TOKEN_INVALID', reached: false });
    const own = await probe({ authorization: `Bearer ${await mint('files')}` });
    expect({ status: own.status, reached: own.reached }).toEqual({ status: 200, reached: true });
  });
});
