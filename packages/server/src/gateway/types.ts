import type { IncomingHttpHeaders } from 'node:http';
import type { Code } from '../errors/catalogue.js';
import type { MaybePromise } from '../lib/maybe-promise.js';
import type { ScrubSet } from './scrub.js';

/** What the gateway's decision sees of a client request. Nothing here is HTTP-framework specific. */
export interface GatewayRequest {
  readonly method: string;
  /** The request target exactly as sent (path and query), for signature bases. */
  readonly rawTarget: string;
  /** Path without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw header lines `[name, value, name, value …]`, duplicates kept. */
  readonly rawHeaders: readonly string[];
  /** Client address after X-Forwarded-For trust rules. */
  readonly clientIp: string;
  /** SHA-256 (hex) of the client certificate, on TLS connections that presented one. */
  readonly clientCertSha256?: string;
  /** The gateway's id for this request (audit records, logs, the problem body). */
  readonly requestId: string;
  /** Present only when the decision asked for the body (signed requests with Content-Digest). */
  readonly body?: Buffer;
  /** The client's connection (its socket), for what is remembered per connection (credentials/authenticate.ts). */
  readonly connection?: object;
}

export type GatewayDecision =
  | {
      readonly allow: true;
      /** Added to the upstream request (identity headers, injected secrets). */
      readonly upstreamHeaders: Readonly<Record<string, string>>;
      /** Added to the client response (RateLimit headers). */
      readonly responseHeaders: Readonly<Record<string, string>>;
      /** For logs and metrics only. */
      readonly credentialId?: string;
      /** Server-held secret values redacted from the response headers (every route whose map injects any). */
      readonly scrub?: ScrubSet;
      /** Also scan the response body for them (the routes that inject one): identity encoding, no ranges. */
      readonly scrubBody?: boolean;
      /** The named upstream of the resource (access map `upstreams:`); absent: the gateway's default. */
      readonly upstream?: { readonly name: string; readonly url: string };
      /** The matched resource's path pattern: a bounded metrics label. */
      readonly route?: string;
    }
  | {
      readonly allow: false;
      readonly code: Code;
      readonly detail?: string;
      readonly responseHeaders?: Readonly<Record<string, string>>;
      /** The path pattern of the resource the request matched, if any (metrics). */
      readonly route?: string;
    };

export interface GatewayPolicy {
  /** True when this request's credential needs the body in hand (e.g. a Content-Digest to check). */
  needsBody(req: Omit<GatewayRequest, 'body'>): boolean;
  /**
   * Authenticate, authorise, rate-limit. Must not throw for a "no"; a throw or a rejection means
   * broken (→ 503, fail closed). Synchronous when nothing needed I/O (lib/maybe-promise.ts).
   */
  decide(req: GatewayRequest): MaybePromise<GatewayDecision>;
}
