import { isIP } from 'node:net';

/**
 * IPv4/IPv6 addresses and CIDR ranges, compared as 128-bit integers. IPv4 and IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`) are the same address, so an allow-list entry matches either form.
 */
export interface Cidr {
  readonly base: bigint;
  readonly prefixBits: number;
}

export function isValidIp(ip: string): boolean {
  return isIP(stripZone(ip)) !== 0;
}

function stripZone(ip: string): string {
  const i = ip.indexOf('%');
  return i >= 0 ? ip.slice(0, i) : ip;
}

function ipToBigInt(ipRaw: string): bigint | undefined {
  const ip = stripZone(ipRaw);
  const family = isIP(ip);
  if (family === 4) return 0xffff00000000n | ipv4ToBigInt(ip);
  if (family !== 6) return undefined;
  let text = ip;
  let tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = ipv4ToBigInt(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon)}:0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const restParts = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const missing = 8 - headParts.length - restParts.length;
  const parts = rest !== undefined ? [...headParts, ...Array(missing).fill('0'), ...restParts] : headParts;
  let value = 0n;
  for (const p of parts) value = (value << 16n) | BigInt(parseInt(p, 16));
  if (tail !== undefined) value = (value & ~0xffffffffn) | tail;
  return value;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Parses `1.2.3.0/24`, `2001:db8::/32` or a bare address (a /32 or /128). Undefined if invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const value = ipToBigInt(addr);
  if (value === undefined) return undefined;
  const v4 = isIP(stripZone(addr)) === 4;
  const maxBits = v4 ? 32 : 128;
  let bits = maxBits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    bits = Number(p);
    if (bits > maxBits) return undefined;
  }
  const prefixBits = v4 ? bits + 96 : bits;
  const mask = prefixBits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefixBits)) - 1n);
  return { base: value & mask, prefixBits };
}

export function isValidCidrOrIp(text: string): boolean {
  return parseCidr(text) !== undefined;
}

export function ipInCidr(ip: string, cidr: Cidr | string): boolean {
  const range = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const value = ipToBigInt(ip);
  if (!range || value === undefined) return false;
  const mask = range.prefixBits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - range.prefixBits)) - 1n);
  return (value & mask) === range.base;
}

export function ipInAnyCidr(ip: string, cidrs: readonly (Cidr | string)[]): boolean {
  return cidrs.some((c) => ipInCidr(ip, c));
}
