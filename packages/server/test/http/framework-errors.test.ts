import { connect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { validateKeySettings } from '../../src/keys/validate.js';
import { jsonDepthExceeds, jsonTextDepth } from '../../src/lib/json.js';
import { makeApi } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const api = await makeApi();
  await api.server.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await api.server.close();
    await api.kw.close();
  });
  return { ...api, port: (api.server.server.address() as AddressInfo).port };
}

/** Sends bytes as they are (no client library to fix them up) and returns the raw answer. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, 3000);
  });
}

function parse(answer: string) {
  const [head, ...rest] = answer.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const text = rest.join('\r\n\r\n');
  const body = (text.includes('\r\n') && !text.startsWith('{') ? text.slice(text.indexOf('\r\n') + 2) : text).trim();
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: JSON.parse(body.slice(0, body.lastIndexOf('}') + 1)) as { code: string; requestId: string; status: number } };
}

const SECRET_IN_URL = 'kw_sk_live_thisLooksLikeAKey0123456789';

describe('Fastify and Node errors become problem+json with a catalogue code, never echoing the URL', () => {
  it('a 5,000-character id: INVALID_ID problem+json, no 414 repeating the URL', async () => {
    const s = await setup();
    const id = 'k'.repeat(5000);
    const res = await request(`http://127.0.0.1:${s.port}/v1/keys/${id}`, { headers: { authorization: `Bearer ${s.root}` } });
    const text = await res.body.text();
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(text)).toMatchObject({ code: 'INVALID_ID', requestId: expect.stringMatching(/^req_/) });
    expect(res.headers['x-request-id']).toBe(JSON.parse(text).requestId);
    expect(text).not.toContain('kkkkkkkkkk');
  });

  it('a badly encoded URL (FST_ERR_BAD_URL): BAD_REQUEST, the URL not repeated', async () => {
    const s = await setup();
    const r = parse(await raw(s.port, `GET /v1/keys/%E0%A4%A${SECRET_IN_URL.slice(0, 3)}x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('BAD_REQUEST');
  });

  it('headers too large: 431 HEADERS_TOO_LARGE problem+json; a malformed request line: 400 BAD_REQUEST', async () => {
    const s = await setup();
    const big = parse(await raw(s.port, `GET /v1/apps?x=${SECRET_IN_URL} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(big.status).toBe(431);
    expect(big.headers['content-type']).toBe('application/problem+json');
    expect(big.body).toMatchObject({ code: 'HEADERS_TOO_LARGE', requestId: expect.stringMatching(/^req_/) });
    const long = await raw(s.port, `GET /${SECRET_IN_URL}${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(parse(long).body.code).toBe('HEADERS_TOO_LARGE');
    expect(long).not.toContain(SECRET_IN_URL);
    const garbage = parse(await raw(s.port, `NOT A REQUEST LINE\r\n\r\n`));
    expect(garbage.status).toBe(400);
    expect(garbage.body.code).toBe('BAD_REQUEST');
  });

  it('unknown route, wrong method, wrong content type, broken JSON: each its catalogue code', async () => {
    const s = await setup();
    const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: string, type = 'application/json') => {
      const res = await request(`http://127.0.0.1:${s.port}${path}`, { method, headers: { authorization: `Bearer ${s.root}`, ...(body !== undefined ? { 'content-type': type } : {}) }, ...(body !== undefined ? { body } : {}) });
      const json = (await res.body.json()) as { code: string; requestId?: string };
      return { status: res.statusCode, code: json.code, typed: String(res.headers['content-type']).startsWith('application/problem+json'), id: Boolean(json.requestId) };
    };
    expect(await call('GET', '/nope')).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND', typed: true, id: true });
    expect(await call('DELETE', `/v1/apps/${s.appId}/keys`)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED', typed: true, id: true });
    expect(await call('POST', `/v1/apps/${s.appId}/keys`, 'name=x', 'text/plain')).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', typed: true, id: true });
    expect(await call('POST', `/v1/apps/${s.appId}/keys`, '{"name":')).toEqual({ status: 400, code: 'MALFORMED_JSON', typed: true, id: true });
  });
});

describe('deeply nested JSON', () => {
  it('a key meta 10,000 levels deep answers 400 VALIDATION_FAILED with a field error, not 500', async () => {
    const s = await setup();
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const res = await request(`http://127.0.0.1:${s.port}/v1/apps/${s.appId}/keys`, { method: 'POST', headers: { authorization: `Bearer ${s.root}`, 'content-type': 'application/json' }, body: `{"environment":"live","kind":"secret","name":"x","meta":${deep}}` });
    const body = (await res.body.json()) as { code: string; errors: { pointer: string }[] };
    expect(res.statusCode).toBe(400);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors[0]!.pointer).toBe('/body');
    // Arrays too, on a route whose body is free JSON (token claims).
    const arrays = await request(`http://127.0.0.1:${s.port}/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${s.root}`, 'content-type': 'application/json' }, body: `{"claims":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}` });
    expect(((await arrays.body.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('meta within the body limit but nested past 16 levels: a field error on /body/meta', async () => {
    const s = await setup();
    const meta = '{"a":'.repeat(20) + '1' + '}'.repeat(20);
    const res = await request(`http://127.0.0.1:${s.port}/v1/apps/${s.appId}/keys`, { method: 'POST', headers: { authorization: `Bearer ${s.root}`, 'content-type': 'application/json' }, body: `{"environment":"live","kind":"secret","name":"x","meta":${meta}}` });
    const body = (await res.body.json()) as { code: string; errors: { pointer: string }[] };
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/meta' }] });
  });

  it('in process, a 10,000-deep meta is refused by its field, without running out of stack', () => {
    let meta: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) meta = { a: meta };
    let pointers: string[] = [];
    try {
      validateKeySettings({ name: 'x', meta }, 0);
    } catch (err) {
      pointers = ((err as { errors?: { pointer: string }[] }).errors ?? []).map((e) => e.pointer);
    }
    expect(pointers).toEqual(['/body/meta']);
    expect(jsonDepthExceeds(meta, 32)).toBe(true);
    expect(jsonDepthExceeds({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(jsonTextDepth('{"a":"{{{{[[[["}', 2)).toBe(1);
  });
});
