import { randomFillSync } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Span } from '@opentelemetry/api';
import { VERSION } from '../version.js';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) and OpenTelemetry spans for both
 * processes. Only `@opentelemetry/api` is used: without a registered SDK its tracer is a no-op
 * and costs next to nothing; an embedding application (or `node --import` of an SDK setup) that
 * registers a TracerProvider gets one SERVER span per request, a child of the caller's
 * `traceparent`.
 *
 * The gateway always propagates a `traceparent` upstream, SDK or not: a valid incoming one is
 * continued with a new span id of the gateway's own (the upstream's parent is the gateway, not
 * the client), and `tracestate` is passed along with it; a missing or invalid one is replaced by
 * a new trace, and then any `tracestate` is dropped (the spec ties it to a parsed traceparent).
 */
const tracer = trace.getTracer('keyward', VERSION);

export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** The trace-flags byte, two lowercase hex digits (`01`: sampled). */
  readonly flags: string;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a `traceparent` (§3.2): version 00 is exactly four fields; a higher version may carry
 * more after a dash and is read as 00; version ff, all-zero ids, uppercase hex and repeated
 * headers are invalid.
 */
export function parseTraceparent(value: string | string[] | undefined): TraceParent | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const m = HEADER.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}

/** `tracestate` as received, if it is plausible (§3.3: at most 32 members; printable ASCII). */
function tracestateOf(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value.join(',') : value;
  if (v === undefined || v.length === 0 || v.length > 512 || !/^[\x20-\x7e]+$/.test(v)) return undefined;
  return v.split(',').length <= 32 ? v : undefined;
}

/**
 * Random hex ids for spans and traces (unique, not secret). The CSPRNG fills 16 KiB at a time and
 * the pool is hex-encoded once per fill; each id is then a slice of that text. Measured on the
 * gateway: `randomFillSync` costs about 9 µs a call whatever its size up to a few KiB, and
 * `toString('hex', …)` about 250 ns per id, together the largest share of a request's own trace
 * work with the earlier 1 KiB pool; a slice costs a few tens of nanoseconds.
 */
const POOL_BYTES = 16 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolHex = '';
let poolOffset = POOL_BYTES;

function randomHex(bytes: 8 | 16): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    poolOffset = 0;
  }
  const out = poolHex.slice(poolOffset * 2, (poolOffset + bytes) * 2);
  poolOffset += bytes;
  return out === (bytes === 8 ? ZERO_SPAN : ZERO_TRACE) ? randomHex(bytes) : out;
}

/** One request's span (a no-op one without an SDK) and the trace context to send on. */
export interface RequestTrace {
  readonly span: Span;
  /** The `traceparent` for the next hop: this process's span as the parent. */
  readonly traceparent: string;
  /** The caller's `tracestate`, passed on only with its valid traceparent. */
  readonly tracestate: string | undefined;
  /** The trace id, for log lines. */
  readonly traceId: string;
}

/** Starts the SERVER span of one incoming request, continuing the caller's trace when its `traceparent` is valid. */
export function startRequestTrace(name: string, headers: Readonly<Record<string, string | string[] | undefined>>, attributes: Attributes): RequestTrace {
  const parent = parseTraceparent(headers.traceparent);
  const tracestate = parent ? tracestateOf(headers.tracestate) : undefined;
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parseInt(parent.flags, 16) & TraceFlags.SAMPLED, isRemote: true })
    : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parentContext);
  if (span.isRecording()) {
    const c = span.spanContext();
    const flags = (c.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00';
    return { span, traceparent: `00-${c.traceId}-${c.spanId}-${flags}`, tracestate, traceId: c.traceId };
  }
  // No SDK: the no-op span carries the parent's ids, so the gateway's own span id is made here.
  const traceId = parent?.traceId ?? randomHex(16);
  return { span, traceparent: `00-${traceId}-${randomHex(8)}-${parent?.flags ?? '00'}`, tracestate, traceId };
}

/**
 * The SERVER span of a request that calls nothing further (the verify fast path), or undefined
 * when no SDK records: then nothing is allocated beyond the no-op span, and no trace context is
 * made, because there is no next hop to send it to.
 */
export function startRecordedTrace(name: string, headers: Readonly<Record<string, string | string[] | undefined>>, attributes: Attributes): RequestTrace | undefined {
  const parent = parseTraceparent(headers.traceparent);
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parseInt(parent.flags, 16) & TraceFlags.SAMPLED, isRemote: true })
    : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parentContext);
  if (!span.isRecording()) return undefined;
  const c = span.spanContext();
  return { span, traceparent: `00-${c.traceId}-${c.spanId}-${(c.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`, tracestate: undefined, traceId: c.traceId };
}

/** What a key verification decided, as far as a trace may know it. */
export interface VerifyOutcome {
  readonly valid: boolean;
  readonly code: string;
  readonly keyId?: string | undefined;
  readonly kind?: string | undefined;
  readonly appId?: string | null | undefined;
  readonly environment?: string | null | undefined;
}

/**
 * Records a verification's outcome on the request's span: valid, code, and which key, kind, app
 * and environment it was (ids, which are not secret). Never the key, its hash, the subject (an end
 * user's identifier) or the metadata: traces leave the process for a collector Keyward does not
 * control.
 */
export function setVerifyOutcome(t: RequestTrace | undefined, out: VerifyOutcome): void {
  if (t === undefined || !t.span.isRecording()) return;
  const a: Attributes = { 'keyward.verify.valid': out.valid, 'keyward.verify.code': out.code };
  if (out.keyId !== undefined) a['keyward.key.id'] = out.keyId;
  if (out.kind !== undefined) a['keyward.key.kind'] = out.kind;
  if (typeof out.appId === 'string') a['keyward.app.id'] = out.appId;
  if (typeof out.environment === 'string') a['keyward.environment'] = out.environment;
  t.span.setAttributes(a);
}

/**
 * Sets the trace context on an upstream request's headers (the client's own `traceparent` and
 * `tracestate` never pass as they are).
 */
export function propagate(t: RequestTrace, headers: Record<string, string | string[]>): void {
  headers.traceparent = t.traceparent;
  if (t.tracestate !== undefined) headers.tracestate = t.tracestate;
  // Deleted only when there: a `delete` turns the headers object into a slow dictionary-mode one.
  else if (headers.tracestate !== undefined) delete headers.tracestate;
}

/** Ends a request's span with its HTTP status (5xx: an error, per OpenTelemetry's HTTP conventions for servers). */
export function endRequestTrace(t: RequestTrace | undefined, status: number, code?: string): void {
  if (t === undefined || !t.span.isRecording()) return;
  t.span.setAttribute('http.response.status_code', status);
  if (code !== undefined) t.span.setAttribute('keyward.code', code);
  if (status >= 500) t.span.setStatus({ code: SpanStatusCode.ERROR });
  t.span.end();
}
