import type { IncomingMessage } from 'node:http';
import type { Code } from '../errors/catalogue.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { TlsFiles } from '../lib/tls.js';
import type { GatewayObserver } from './metrics.js';
import type { GatewayPolicy } from './types.js';

import type { Cors } from '../http/cors.js';

export interface GatewayOptions {
  readonly upstreamUrl: string;
  readonly policy: GatewayPolicy;
  /** Resolves the client address (X-Forwarded-For trust rules). */
  readonly clientIp: (req: IncomingMessage) => string;
  /**
   * True when the direct peer is a proxy the trusted-proxy configuration names: only then are its
   * X-Forwarded-Proto / X-Forwarded-Host believed (see forwarded.ts). Default: never.
   */
  readonly peerTrusted?: (req: IncomingMessage) => boolean;
  readonly connectTimeoutMs?: number;
  /** Time for the upstream to send response headers. */
  readonly headersTimeoutMs?: number;
  /** Longest silence while streaming a response body. */
  readonly bodyTimeoutMs?: number;
  /** Time for a client to send its request headers (Node's `headersTimeout`); then 408. Default 10 000. */
  readonly clientHeadersTimeoutMs?: number;
  /** Time for a client to send its whole request (Node's `requestTimeout`), a backstop behind the body limits. Default 120 000. */
  readonly clientRequestTimeoutMs?: number;
  /** Least average request-body rate over each `bodyRateWindowMs`, bytes per second; slower → 408. Default 512. */
  readonly bodyMinBytesPerSecond?: number;
  /** Window over which the body rate is measured. Default 10 000. */
  readonly bodyRateWindowMs?: number;
  /** Longest a request body may take in all; then 408. Default 60 000. */
  readonly bodyDeadlineMs?: number;
  /**
   * Requests one client address may have in flight; more → 429 TOO_MANY_IN_FLIGHT. Default half of
   * `upstreamConnections` (64 of 128): one address (a NAT, an office, a load balancer without
   * trusted X-Forwarded-For) can never hold more than half of the upstream pool.
   */
  readonly maxInFlightPerClient?: number;
  /** Requests one credential may have in flight. Default three quarters of `upstreamConnections`. */
  readonly maxInFlightPerCredential?: number;
  /** Largest request header block accepted (bytes). */
  readonly maxHeaderBytes?: number;
  /** Largest body buffered for signature checks; larger signed bodies are refused. Unsigned bodies stream. */
  readonly maxBufferedBodyBytes?: number;
  readonly upstreamConnections?: number;
  readonly keepCookies?: boolean;
  /** CORS for browser callers (gateway/cors.ts `gatewayCors`); none: no CORS headers, preflights go through the map like any OPTIONS. */
  readonly cors?: Cors;
  readonly onError?: (err: unknown, requestId: string) => void;
  /** Serve HTTPS with this certificate and key, reloaded when the files change. */
  readonly tls?: TlsFiles;
  /** Told of every request's start, outcome and end, and of upstream latency (the gateway's metrics, gateway/metrics.ts). */
  readonly observer?: GatewayObserver;
  readonly onRequest?: (info: { requestId: string; method: string; path: string; status: number; ms: number; code?: Code }) => void;
}

export interface GatewayLimits {
  readonly upstreamConnections: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly clientHeadersTimeoutMs: number;
  readonly clientRequestTimeoutMs: number;
  readonly bodyMinBytesPerSecond: number;
  readonly bodyRateWindowMs: number;
  readonly bodyDeadlineMs: number;
  readonly maxInFlightPerClient: number;
  readonly maxInFlightPerCredential: number;
  readonly maxHeaderBytes: number;
  readonly maxBufferedBodyBytes: number;
}

/** Defaults applied and every number checked, so a typo in a flag fails at start, not under load. */
export function resolveLimits(o: GatewayOptions): GatewayLimits {
  const upstreamConnections = o.upstreamConnections ?? 128;
  const limits: GatewayLimits = {
    upstreamConnections,
    connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
    headersTimeoutMs: o.headersTimeoutMs ?? 30_000,
    bodyTimeoutMs: o.bodyTimeoutMs ?? 30_000,
    clientHeadersTimeoutMs: o.clientHeadersTimeoutMs ?? 10_000,
    clientRequestTimeoutMs: o.clientRequestTimeoutMs ?? 120_000,
    bodyMinBytesPerSecond: o.bodyMinBytesPerSecond ?? 512,
    bodyRateWindowMs: o.bodyRateWindowMs ?? 10_000,
    bodyDeadlineMs: o.bodyDeadlineMs ?? 60_000,
    maxInFlightPerClient: o.maxInFlightPerClient ?? Math.max(1, Math.floor(upstreamConnections / 2)),
    maxInFlightPerCredential: o.maxInFlightPerCredential ?? Math.max(1, Math.floor((upstreamConnections * 3) / 4)),
    maxHeaderBytes: o.maxHeaderBytes ?? 16 * 1024,
    maxBufferedBodyBytes: o.maxBufferedBodyBytes ?? 1024 * 1024,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new KeywardError('VALIDATION_FAILED', `${name} must be a positive whole number`);
  }
  if (limits.clientRequestTimeoutMs < limits.clientHeadersTimeoutMs) throw new KeywardError('VALIDATION_FAILED', 'clientRequestTimeoutMs must not be shorter than clientHeadersTimeoutMs');
  if (limits.bodyRateWindowMs > limits.bodyDeadlineMs) throw new KeywardError('VALIDATION_FAILED', 'bodyRateWindowMs must not be longer than bodyDeadlineMs');
  return limits;
}
