import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import type { Keyward } from '../../src/keyward.js';
import { CLI, makeKeyward } from '../helpers.js';

/**
 * Every POST /v1/keys/verify makes a SERVER span when an OpenTelemetry SDK is registered, whether
 * the lean fast path (http/verify-fast-path.ts, which bypasses Fastify's hooks) or the Fastify
 * route serves it, with the same outcome attributes and nothing secret in them. Both servers are
 * real HTTP listeners: the fast path only ever sees requests off a socket.
 */
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let kw: Keyward;
const servers: Record<'fast' | 'slow', { server: Server; url: string; reachedFastify: number }> = {} as never;
const keys = { root: '', pk: '', pkId: '', revoked: '' };
let appId = '';

beforeAll(async () => {
  expect(trace.setGlobalTracerProvider(provider)).toBe(true);
  ({ kw } = await makeKeyward());
  keys.root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  appId = (await kw.apps.create({ name: 'a' }, CLI)).id;
  const pk = await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'pk', scopes: ['profile:read'], meta: { plan: 'plan-zz9' } }, CLI);
  keys.pk = pk.secret;
  keys.pkId = pk.key.id;
  const revoked = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'gone' }, CLI);
  await kw.keys.revoke(revoked.key.id, 'test', CLI);
  keys.revoked = revoked.secret;
  for (const name of ['fast', 'slow'] as const) {
    const entry = { server: undefined as unknown as Server, url: '', reachedFastify: 0 };
    entry.server = await buildServer(kw, {
      verifyFastPath: name === 'fast',
      plugins: [
        (s) => {
          s.addHook('onRequest', async (r) => {
            if (r.url === '/v1/keys/verify') entry.reachedFastify += 1;
          });
        },
      ],
    });
    entry.url = `${await entry.server.listen({ port: 0, host: '127.0.0.1' })}/v1/keys/verify`;
    servers[name] = entry;
  }
});

afterAll(async () => {
  for (const s of Object.values(servers)) await s.server.close();
  await kw?.close();
  trace.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

async function verify(path: 'fast' | 'slow', body: unknown, headers: Record<string, string> = {}) {
  const res = await request(servers[path].url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.root}`, ...headers }, body: JSON.stringify(body) });
  const answer = (await res.body.json()) as Record<string, unknown>;
  return { status: res.statusCode, answer };
}

async function verifySpans(): Promise<ReadableSpan[]> {
  await new Promise((r) => setTimeout(r, 20));
  return exporter.getFinishedSpans().filter((s) => s.attributes['http.route'] === '/v1/keys/verify');
}

describe.each(['fast', 'slow'] as const)('POST /v1/keys/verify on the %s path, with an SDK registered', (path) => {
  it('makes one SERVER span per verification, warm cache included, child of the caller\'s traceparent, with the outcome', async () => {
    const before = servers[path].reachedFastify;
    const body = { key: keys.pk, environment: 'live', subject: 'user_secret_42', scopes: ['profile:read'] };
    await verify(path, body); // fills the key cache: the next two are the warm, synchronous path
    exporter.reset();
    for (let i = 0; i < 2; i++) expect((await verify(path, body, { traceparent: `00-${TRACE}-${PARENT}-01` })).answer.valid).toBe(true);
    // The fast path really served these (they never reached Fastify's hooks); the slow one did not.
    expect(servers[path].reachedFastify - before).toBe(path === 'fast' ? 0 : 3);
    const spans = await verifySpans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(TRACE);
      expect(span.parentSpanContext?.spanId).toBe(PARENT);
      expect(span.attributes).toMatchObject({
        'keyward.process': 'api',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'keyward.verify.valid': true,
        'keyward.verify.code': 'VALID',
        'keyward.key.id': keys.pkId,
        'keyward.key.kind': 'publishable',
        'keyward.app.id': appId,
        'keyward.environment': 'live',
      });
      expect(String(span.attributes['keyward.request_id'])).toMatch(/^req_/);
    }
  });

  it('records a refusal as an outcome, and a malformed key by its problem code; no span holds a secret, the subject or metadata', async () => {
    expect((await verify(path, { key: keys.revoked })).answer).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect((await verify(path, { key: 'kw_sk_live_nope' })).status).toBe(400);
    await verify(path, { key: keys.pk, environment: 'live', subject: 'user_secret_42', scopes: ['profile:read'] });
    const spans = await verifySpans();
    expect(spans).toHaveLength(3);
    expect(spans[0]!.attributes).toMatchObject({ 'http.response.status_code': 200, 'keyward.verify.valid': false, 'keyward.verify.code': 'INVALID_CREDENTIAL' });
    expect(spans[0]!.attributes['keyward.key.id']).toBeUndefined(); // unknown and revoked keys look the same
    expect(spans[1]!.attributes).toMatchObject({ 'http.response.status_code': 400, 'keyward.code': 'KEY_MALFORMED' });
    const everything = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    for (const secret of [keys.root, keys.pk, keys.revoked, keys.root.slice(-12), keys.pk.slice(-12), 'user_secret_42', 'plan-zz9']) expect(everything).not.toContain(secret);
  });
});
