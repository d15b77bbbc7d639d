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
export function guardRequest(req: IncomingMessage): { readonly ok: true } | { readonly ok: false; readonly code: Code; readonly detail: string } {
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
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return { ok: false, code: 'BAD_REQUEST', detail: `control character in ${name}` };
  }
  if (host > 1) return { ok: false, code: 'BAD_REQUEST', detail: 'more than one Host header' };
  if (host === 0 && req.httpVersionMinor >= 1) return { ok: false, code: 'BAD_REQUEST', detail: 'missing Host header' };
  if (cl > 1) return { ok: false, code: 'BAD_REQUEST', detail: 'more than one Content-Length header' };
  if (te > 1) return { ok: false, code: 'BAD_REQUEST', detail: 'more than one Transfer-Encoding header' };
  if (cl && te) return { ok: false, code: 'BAD_REQUEST', detail: 'Content-Length and Transfer-Encoding together' };
  if (te && teValue !== 'chunked') return { ok: false, code: 'BAD_REQUEST', detail: 'unsupported Transfer-Encoding' };
  return { ok: true };
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus any named in Connection: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'host', 'content-length']);

/**
 * Headers the gateway consumes and must not pass on: credentials (so the upstream never sees a
 * key, session or signature it could leak or replay) and anything claiming to be Keyward's own
 * identity header (so a client cannot forge one).
 */
const CONSUMED = new Set(['authorization', 'x-api-key', 'signature', 'signature-input', 'x-keyward-session', 'x-keyward-app-token', 'cookie']);

export function upstreamHeaders(req: IncomingMessage, options: { readonly keepCookies: boolean }): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionNamed = namedInConnection(req.headers.connection);
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || (connectionNamed !== undefined && connectionNamed.has(name)) || name.startsWith('x-keyward-')) continue;
    if (CONSUMED.has(name) && !(name === 'cookie' && options.keepCookies)) continue;
    const value = raw[i + 1]!;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/** Extra hop-by-hop names listed in Connection; undefined for the usual `keep-alive` / `close` (no set to build per request). */
function namedInConnection(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
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
