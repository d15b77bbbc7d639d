import type { AddressInfo } from 'node:net';
import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { parseTraceparent } from '../../src/observability/tracing.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeApi } from '../helpers.js';
import { startUpstream } from '../gateway/upstream.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('parseTraceparent (W3C Trace Context §3.2)', () => {
  it.each([
    [`00-${TRACE}-${PARENT}-01`, { traceId: TRACE, spanId: PARENT, flags: '01' }],
    [`01-${TRACE}-${PARENT}-00-future-field`, { traceId: TRACE, spanId: PARENT, flags: '00' }],
    [`00-${TRACE}-${PARENT}-01-extra`, undefined],
    [`ff-${TRACE}-${PARENT}-01`, undefined],
    [`00-${TRACE.toUpperCase()}-${PARENT}-01`, undefined],
    [`00-${'0'.repeat(32)}-${PARENT}-01`, undefined],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, undefined],
    [`00-${TRACE}-${PARENT}`, undefined],
    ['garbage', undefined],
  ])('%s', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  it('two traceparent headers are invalid', () => {
    expect(parseTraceparent([`00-${TRACE}-${PARENT}-01`, `00-${TRACE}-${PARENT}-01`])).toBeUndefined();
  });
});

async function gateway() {
  const api = await makeApi();
  cleanups.push(() => api.kw.close());
  const sk = await api.kw.keys.create({ appId: api.appId, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const map = compileAccessMap(parseAccessMap('version: 1\nresources:\n  - path: /x\n    methods: [GET]\n    allow: [secret]\n'));
  const gw = createGateway({ upstreamUrl: up.url, policy: createGatewayPolicy({ kw: api.kw, map, limits: new MemoryRateLimitStore() }), clientIp: () => '127.0.0.1' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const url = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}/x`;
  const call = async (headers: Record<string, string> = {}) => {
    const res = await request(url, { headers: { 'x-api-key': sk.secret, ...headers } });
    await res.body.dump();
    return { status: res.statusCode, requestId: res.headers['x-request-id'], seen: up.seen.at(-1)!.headers };
  };
  return { api, call };
}

describe('the gateway propagates trace context (no SDK registered)', () => {
  it('continues a valid traceparent with a span id of its own and passes tracestate with it', async () => {
    const g = await gateway();
    const { seen } = await g.call({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=abc' });
    const sent = parseTraceparent(seen.traceparent)!;
    expect(sent.traceId).toBe(TRACE);
    expect(sent.flags).toBe('01');
    expect(sent.spanId).not.toBe(PARENT);
    expect(seen.tracestate).toBe('vendor=abc');
  });

  it('replaces an invalid traceparent with a new trace and drops the tracestate that came with it; starts one when none came', async () => {
    const g = await gateway();
    const bad = await g.call({ traceparent: `00-${TRACE.toUpperCase()}-${PARENT}-01`, tracestate: 'vendor=abc' });
    const replaced = parseTraceparent(bad.seen.traceparent)!;
    expect(replaced).toBeDefined();
    expect(replaced.traceId).not.toBe(TRACE.toLowerCase());
    expect(bad.seen.tracestate).toBeUndefined();
    const none = await g.call();
    expect(parseTraceparent(none.seen.traceparent)).toBeDefined();
    expect(parseTraceparent(none.seen.traceparent)!.traceId).not.toBe(replaced.traceId);
  });

  it('keeps a valid incoming X-Request-Id (to the upstream and in the answer) and replaces an invalid one', async () => {
    const g = await gateway();
    const kept = await g.call({ 'x-request-id': 'lb-1234.abc' });
    expect([kept.requestId, kept.seen['x-request-id']]).toEqual(['lb-1234.abc', 'lb-1234.abc']);
    const replaced = await g.call({ 'x-request-id': 'has spaces and "quotes"' });
    expect(replaced.requestId).toMatch(/^req_[0-9A-Za-z]{22}$/);
    expect(replaced.seen['x-request-id']).toBe(replaced.requestId);
  });
});

describe('OpenTelemetry spans with a registered SDK', () => {
  // One provider for the file: tracers handed out before a provider change keep the old one (OpenTelemetry's global API).
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
  });
  afterAll(async () => {
    trace.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('the gateway makes a SERVER span, child of the caller\'s traceparent, and the upstream\'s parent is that span', async () => {
    const g = await gateway();
    const { seen } = await g.call({ traceparent: `00-${TRACE}-${PARENT}-01` });
    await new Promise((r) => setTimeout(r, 50));
    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['keyward.process'] === 'gateway');
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE);
    expect(span.parentSpanContext?.spanId).toBe(PARENT);
    expect(span.attributes['http.response.status_code']).toBe(200);
    expect(parseTraceparent(seen.traceparent)).toEqual({ traceId: TRACE, spanId: span.spanContext().spanId, flags: '01' });
  });

  it('the admin API makes a SERVER span per request with its route, status and Keyward code', async () => {
    const api = await makeApi();
    cleanups.push(() => api.kw.close());
    await api.server.inject({ method: 'GET', url: '/v1/apps', headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    await new Promise((r) => setTimeout(r, 50));
    const span = exporter.getFinishedSpans().find((s) => s.attributes['keyward.process'] === 'api')!;
    expect(span).toBeDefined();
    expect(span.spanContext().traceId).toBe(TRACE);
    expect(span.parentSpanContext?.spanId).toBe(PARENT);
    expect(span.attributes).toMatchObject({ 'http.route': '/v1/apps', 'http.response.status_code': 401, 'keyward.code': 'UNAUTHORIZED' });
  });
});
