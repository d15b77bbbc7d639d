import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { CLI, makeApi } from '../helpers.js';

/**
 * The HTTP layer remembers the digest of the credential a keep-alive connection last
 * authenticated with (http/auth.ts). These tests run over one real connection and check that the
 * memo never outlives what it stands for.
 */
type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await api?.server.close();
  await api?.kw.close();
  api = client = undefined;
});

async function oneConnection() {
  api = await makeApi();
  const address = await api.server.listen({ port: 0, host: '127.0.0.1' });
  client = new Client(address, { pipelining: 1 }); // a Client is one connection
  const c = client;
  let sockets = 0;
  api.server.server.on('connection', () => sockets++);
  const call = async (key: string, path = '/v1/apps', method: 'GET' | 'POST' = 'GET', body?: unknown) => {
    const res = await c.request({ method, path, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.body.text();
    return { status: res.statusCode, code: res.headers['x-keyward-code'], json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return { api, call, sockets: () => sockets };
}

describe('the credential a connection presented last', () => {
  it('a key revoked between two requests on the same connection is refused on the second', async () => {
    const { api, call, sockets } = await oneConnection();
    const spare = await api.kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'spare' }, CLI);
    expect((await call(spare.secret)).status).toBe(200);
    expect((await call(spare.secret)).status).toBe(200);
    await api.kw.keys.revoke(spare.key.id, 'test', CLI);
    const refused = await call(spare.secret);
    expect(refused.status).toBe(401);
    expect(refused.code).toBe('UNAUTHORIZED');
    expect((await call(api.root)).status).toBe(200);
    expect(sockets()).toBe(1); // all of it over one keep-alive connection
  });

  it('another credential on the same connection is verified as itself, never as the one before', async () => {
    const { api, call, sockets } = await oneConnection();
    const other = await api.kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'other' }, CLI);
    const secret = await api.kw.keys.create({ appId: api.appId, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
    expect((await call(api.root)).status).toBe(200);
    // Same length and prefix as the remembered root key, one character different: a fresh check (bad checksum).
    const last = api.root.at(-1) === 'A' ? 'B' : 'A';
    const mutated = `${api.root.slice(0, -1)}${last}`;
    const bad = await call(mutated);
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('KEY_MALFORMED');
    // A different valid root key acts as itself (the audit log names it).
    const created = await call(other.secret, '/v1/apps', 'POST', { name: 'made by other' });
    expect(created.status).toBe(201);
    const audit = await api.kw.store.listAudit({ limit: 50, target: created.json.id as string });
    const record = audit.find((r) => r.action === 'app.create');
    expect(record?.actor).toBe(other.key.id);
    // A secret key is not a root key, even right after a root key on this connection.
    expect((await call(secret.secret, '/v1/apps')).status).toBe(403);
    expect((await call(api.root)).status).toBe(200);
    expect(sockets()).toBe(1);
  });
});
