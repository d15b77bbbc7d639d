import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { ipInAnyCidr } from '../lib/cidr.js';

/**
 * SSRF guard for endpoint URLs. An operator (or a stolen root key) could point a webhook at the
 * cloud metadata service or an internal admin port; the dispatcher would then POST there from
 * inside the network. So, unless `allowPrivate` is set (tests, or a deliberately internal
 * receiver): only http(s), no credentials in the URL, and every address the name resolves to must
 * be public. The check runs inside the connection's own DNS lookup (`guardedLookup`), so the
 * address checked is the address connected to (no DNS-rebinding window).
 */
const NOT_PUBLIC = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '64:ff9b::/96',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

export function isPublicAddress(ip: string): boolean {
  return isIP(ip) !== 0 && !ipInAnyCidr(ip, NOT_PUBLIC);
}

/** Why a URL is refused before any request, or undefined when it may be used. */
export function endpointUrlProblem(url: string, allowPrivate: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be http or https';
  if (!allowPrivate && u.protocol !== 'https:') return 'must be https';
  if (u.username || u.password) return 'must not carry credentials';
  if (u.hash) return 'must not have a fragment';
  if (url.length > 2048) return 'at most 2048 characters';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && !isPublicAddress(host)))) return 'must not point at a loopback, private or reserved address';
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/** A `lookup` for undici's connector that refuses any non-public address (unless allowed). */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as { address: string; family: number }[];
      if (!allowPrivate && (list.length === 0 || list.some((a) => !isPublicAddress(a.address)))) {
        const e = new Error(`address not allowed: ${hostname} resolves to a loopback, private or reserved address`) as NodeJS.ErrnoException;
        e.code = 'EADDRNOTALLOWED';
        return callback(e, []);
      }
      if (options.all) return callback(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
