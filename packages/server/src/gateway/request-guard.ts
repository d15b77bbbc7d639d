import type { IncomingMessage } from 'node:http';
import type { Code } from '../errors/catalogue.js';

/**
 * Request-smuggling and framing checks, made on the raw header lines before anything else runs.
 * A request refused here never produces upstream traffic.
 *
 *  - Content-Length together with Transfer-Encoding (CL.TE / TE.CL desync): refused.
 *  - More than one Content-Length, Transfer-Encoding or Host line: refused, even if equal — a
 *    front proxy and the upstream may pick different ones.
 *  - Transfer-Encoding other than exactly `chunked`: refused (`chunked, identity`, `xchunked`…).
 *  - Control characters or obs-fold in header values: refused (Node already rejects most).
 */
export type GuardReason = 'control_character' | 'repeated_host' | 'missing_host' | 'repeated_content_length' | 'repeated_transfer_encoding' | 'content_length_and_transfer_encoding' | 'unsupported_transfer_encoding';

export type GuardResult = { readonly ok: true } | { readonly ok: false; readonly code: Code; readonly reason: GuardReason; readonly detail: string };

/** What the guard reads of a request: its raw header lines and HTTP version. */
export type GuardedRequest = Pick<IncomingMessage, 'rawHeaders' | 'httpVersionMinor'>;

export function guardRequest(req: GuardedRequest): GuardResult {
  const raw = req.rawHeaders;
  let host = 0;
  let cl = 0;
  let te = 0;
  let teValue = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'host') host++;
    else if (name === 'content-length') cl++;
    else if (name === 'transfer-encoding') {
      te++;
      teValue = value.trim().toLowerCase();
    }
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return refused('control_character', `control character in ${name}`);
  }
  if (host > 1) return refused('repeated_host', 'more than one Host header');
  if (host === 0 && req.httpVersionMinor >= 1) return refused('missing_host', 'missing Host header');
  if (cl > 1) return refused('repeated_content_length', 'more than one Content-Length header');
  if (te > 1) return refused('repeated_transfer_encoding', 'more than one Transfer-Encoding header');
  if (cl && te) return refused('content_length_and_transfer_encoding', 'Content-Length and Transfer-Encoding together');
  if (te && teValue !== 'chunked') return refused('unsupported_transfer_encoding', 'unsupported Transfer-Encoding');
  return { ok: true };
}

function refused(reason: GuardReason, detail: string): GuardResult {
  return { ok: false, code: 'BAD_REQUEST', reason, detail };
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) plus any named in Connection: never forwarded. `expect`
 * too: the gateway answers `100-continue` itself, once the request is allowed.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'host', 'content-length', 'expect'];

/**
 * Credentials the gateway consumes: the upstream never sees a key, session or signature it could
 * leak or replay. (`cookie` is kept when the gateway is configured to pass cookies.)
 */
const CONSUMED = ['authorization', 'x-api-key', 'signature', 'signature-input', 'cookie'];

/**
 * Headers only the gateway may set, because upstreams believe them: the client address and the
 * original scheme/host (set from the connection, or from a trusted proxy), the request id, the
 * trace context (`traceparent`/`tracestate`, replaced by the gateway's own: observability/tracing.ts),
 * and client-certificate headers (the gateway passes the certificate it saw on the TLS connection as
 * `x-keyward-client-cert-sha256`; a client must not claim one in a header). Every `x-keyward-*`
 * header is also the gateway's own.
 */
const GATEWAY_SET = [
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix', 'x-forwarded-server', 'x-forwarded-ssl', 'x-real-ip', 'x-request-id', 'traceparent', 'tracestate',
  'x-forwarded-client-cert', 'x-ssl-client-cert', 'x-client-cert', 'x-client-cert-chain', 'ssl-client-cert', 'x-ssl-client-verify', 'ssl-client-verify', 'x-client-verify', 'x-ssl-client-s-dn', 'x-ssl-client-dn', 'x-arr-clientcert',
];

/**
 * Method overrides: frameworks that honour them would run a DELETE the access map checked as a
 * GET. The access map decides on the request method; nothing may change it behind its back.
 */
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'];

const STRIPPED = new Set([...HOP_BY_HOP, ...CONSUMED, ...GATEWAY_SET, ...METHOD_OVERRIDES]);

/**
 * The name a header has for CGI-style servers (WSGI, PHP, Rack, many Java containers): they turn
 * `X-Api-Key` and `X_Api_Key` into the same `HTTP_X_API_KEY`, so a header the gateway strips must
 * also be stripped in its underscore spelling, or a client could smuggle it past.
 */
function canonicalName(lower: string): string {
  return lower.includes('_') ? lower.replaceAll('_', '-') : lower;
}

/** True for every header the gateway strips or sets itself, in any `-`/`_` spelling. */
export function isGatewayOwned(name: string): boolean {
  const n = canonicalName(name.toLowerCase());
  return STRIPPED.has(n) || n.startsWith('x-keyward-');
}

/**
 * The client's headers as forwarded: hop-by-hop, credentials, method overrides, anything the
 * gateway sets, and anything the decision is about to set (`decided`, e.g. an injected secret's
 * header) are dropped, whatever their case or `-`/`_` spelling. The gateway then adds its own.
 */
export function upstreamHeaders(req: IncomingMessage, options: { readonly keepCookies: boolean; readonly decided?: Readonly<Record<string, string>> }): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionNamed = namedInConnection(req.headers.connection);
  const decided = options.decided ? decidedNames(options.decided) : undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const canonical = canonicalName(name);
    if (STRIPPED.has(canonical) || canonical.startsWith('x-keyward-') || (connectionNamed !== undefined && connectionNamed.has(canonical))) {
      if (!(canonical === 'cookie' && name === 'cookie' && options.keepCookies)) continue;
    }
    if (decided !== undefined && decided.has(canonical)) continue;
    const value = raw[i + 1]!;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/**
 * The names the decision sets that the strip rules above would not already drop (an injected
 * secret's header); undefined when there are none, the usual case: the identity headers are all
 * `x-keyward-*`, stripped anyway, so no set is built per request for them.
 */
function decidedNames(decided: Readonly<Record<string, string>>): Set<string> | undefined {
  let names: Set<string> | undefined;
  for (const k in decided) {
    if (k.startsWith('x-keyward-')) continue; // the identity headers, as the policy spells them
    const n = canonicalName(k.toLowerCase());
    // (`cookie` is stripped only without keepCookies: a decided cookie header still goes in the set.)
    if ((STRIPPED.has(n) && n !== 'cookie') || n.startsWith('x-keyward-')) continue;
    (names ??= new Set()).add(n);
  }
  return names;
}

/** Extra hop-by-hop names listed in Connection; undefined for the usual `keep-alive` / `close` (no set to build per request). */
function namedInConnection(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return undefined;
  const names = value
    .split(',')
    .map((s) => canonicalName(s.trim().toLowerCase()))
    .filter(Boolean);
  return names.length ? new Set(names) : undefined;
}

/** Response headers never passed back to the client. */
export function downstreamHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const n = name.toLowerCase();
    if (n === 'connection' || n === 'keep-alive' || n === 'transfer-encoding' || n === 'proxy-connection' || n === 'upgrade' || n === 'trailer') continue;
    out[n] = value;
  }
  return out;
}
