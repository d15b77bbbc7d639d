import type { ScrubSet } from './scrub.js';

/**
 * What the upstream's response headers must not carry to the client, applied after the hop-by-hop
 * filter (request-guard.ts `downstreamHeaders`), on every route:
 *
 *  - Keyward's own prefix. The SDK and operators read `x-keyward-code` (and any `x-keyward-*`) as
 *    Keyward speaking; an upstream that set one could forge a refusal or an identity. Upstream
 *    headers named `x-keyward-…` or `x_keyward_…` are renamed `x-upstream-keyward-…`, so what the
 *    upstream meant stays visible for debugging but can never be mistaken for the gateway's.
 *  - Server-held secret values, wherever they occur in a value (an upstream echoing its request
 *    headers, a `www-authenticate` quoting the key), redacted to the same length.
 *
 * Mutates and returns `headers` (a fresh object from `downstreamHeaders`): one pass, no copy.
 */
export function guardResponseHeaders(headers: Record<string, string | string[]>, scrub: ScrubSet | undefined): Record<string, string | string[]> {
  for (const name in headers) {
    let value = headers[name]!;
    if (scrub !== undefined) value = scrubValue(value, scrub);
    if (isKeywardName(name)) {
      delete headers[name];
      const renamed = `x-upstream-keyward-${name.slice(10)}`;
      const existing = headers[renamed];
      headers[renamed] = existing === undefined ? value : ([] as string[]).concat(existing, value);
    } else if (scrub !== undefined) {
      headers[name] = value;
    }
  }
  return headers;
}

/** `x-keyward-…` in any case, and the `_` spelling some servers and CGI layers map it to. */
export function isKeywardName(name: string): boolean {
  // Most names do not start with x: refused before any slice or case fold (once per response header).
  if (name.length < 10 || (name.charCodeAt(0) | 0x20) !== 0x78) return false;
  const head = name.slice(0, 10).toLowerCase();
  return head === 'x-keyward-' || head === 'x_keyward_' || head === 'x-keyward_' || head === 'x_keyward-';
}

function scrubValue(value: string | string[], scrub: ScrubSet): string | string[] {
  if (typeof value === 'string') return scrub.scrubString(value);
  return value.map((v) => scrub.scrubString(v));
}
