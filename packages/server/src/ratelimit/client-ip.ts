import { ipInAnyCidr, isValidIp, parseCidr, type Cidr } from '../lib/cidr.js';

/**
 * Which address is the client's. `X-Forwarded-For` is trusted only as far as configured, walking
 * from the right (the entries our own proxies appended): with `{hops: 1}` the entry added by the
 * one trusted proxy in front; with `{cidrs}` the first entry, from the right, that is not a trusted
 * proxy. Whatever a client writes at the left of the header is never read, so a spoofed header
 * cannot buy a fresh rate-limit budget.
 */
export type ProxyTrust = { readonly hops: number } | { readonly cidrs: readonly string[] } | 'none';

export function compileTrust(trust: ProxyTrust): { readonly hops: number } | { readonly cidrs: readonly Cidr[] } | 'none' {
  if (trust === 'none') return 'none';
  if ('hops' in trust) return trust;
  return { cidrs: trust.cidrs.map((c) => parseCidr(c) ?? (() => { throw new TypeError(`not a CIDR: ${c}`); })()) };
}

export function resolveClientIp(socketIp: string, xff: string | string[] | undefined, trust: ReturnType<typeof compileTrust>): string {
  const peer = normalize(socketIp);
  if (trust === 'none' || xff === undefined) return peer;
  const chain = (Array.isArray(xff) ? xff.join(',') : xff)
    .split(',')
    .map((s) => normalize(s.trim()))
    .filter(Boolean);
  if ('hops' in trust) {
    if (trust.hops <= 0) return peer;
    const all = [...chain, peer];
    // all[-1] is the socket peer (hop 0); each trusted hop vouches for the entry left of it.
    const idx = all.length - 1 - trust.hops;
    const candidate = all[Math.max(0, idx)]!;
    return isValidIp(candidate) ? candidate : peer;
  }
  if (!ipInAnyCidr(peer, trust.cidrs)) return peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (!isValidIp(hop)) return peer;
    if (!ipInAnyCidr(hop, trust.cidrs)) return hop;
  }
  return chain[0] && isValidIp(chain[0]) ? chain[0] : peer;
}

function normalize(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
