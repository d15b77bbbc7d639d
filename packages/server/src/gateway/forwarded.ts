import type { IncomingMessage } from 'node:http';
import { ipInAnyCidr } from '../lib/cidr.js';
import type { compileTrust } from '../ratelimit/client-ip.js';

/**
 * The forwarding headers the upstream receives, all set by the gateway (the client's own
 * `Forwarded` / `X-Forwarded-*` are stripped, see request-guard.ts):
 *  - `X-Forwarded-For`: the client address after the X-Forwarded-For trust rules (one entry);
 *  - `X-Forwarded-Proto`: `https` when the gateway terminated TLS, else `http`;
 *  - `X-Forwarded-Host`: the Host the client sent;
 *  - `Forwarded` (RFC 7239): the same three, `for=…;proto=…;host="…"`.
 * Proto and host are taken from the client's X-Forwarded-Proto / X-Forwarded-Host only when the
 * connection comes from a proxy the trusted-proxy configuration names (its last entry, the one
 * that proxy wrote), and only when well formed: a client cannot make the upstream believe it
 * came over HTTPS, or build links and redirects to a host of its choosing.
 */
export interface ForwardedInput {
  readonly clientIp: string;
  /** True when the gateway itself serves TLS. */
  readonly tls: boolean;
  /** True when the direct peer is a proxy the configuration trusts. */
  readonly peerTrusted: boolean;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function forwardingHeaders(req: IncomingMessage, input: ForwardedInput, out: Record<string, string | string[]>): void {
  let proto = input.tls ? 'https' : 'http';
  let host = typeof req.headers.host === 'string' && HOST.test(req.headers.host) ? req.headers.host : undefined;
  if (input.peerTrusted) {
    const p = lastEntry(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (p === 'http' || p === 'https') proto = p;
    const h = lastEntry(req.headers['x-forwarded-host']);
    if (h !== undefined && HOST.test(h)) host = h;
  }
  out['x-forwarded-for'] = input.clientIp;
  out['x-forwarded-proto'] = proto;
  if (host !== undefined) out['x-forwarded-host'] = host;
  out.forwarded = `for=${forwardedNode(input.clientIp)};proto=${proto}${host !== undefined ? `;host="${host}"` : ''}`;
}

/** RFC 7239 §6: IPv6 addresses are bracketed and quoted; an unknown address is `unknown`. */
function forwardedNode(ip: string): string {
  if (ip === '') return 'unknown';
  return ip.includes(':') ? `"[${ip}]"` : ip;
}

function lastEntry(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const parts = joined.split(',');
  const last = parts[parts.length - 1]!.trim();
  return last === '' ? undefined : last;
}

/** Whether the direct peer is a trusted proxy under the X-Forwarded-For trust configuration. */
export function peerIsTrusted(socketIp: string, trust: ReturnType<typeof compileTrust>): boolean {
  if (trust === 'none') return false;
  if ('hops' in trust) return trust.hops > 0;
  const peer = socketIp.startsWith('::ffff:') && socketIp.includes('.') ? socketIp.slice(7) : socketIp;
  return ipInAnyCidr(peer, trust.cidrs);
}
