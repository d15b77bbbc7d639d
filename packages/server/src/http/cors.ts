import { isOriginEntry } from '../lib/origin.js';

export { isOriginEntry };

/**
 * CORS (the Fetch standard's CORS protocol), the one module both processes use: the admin API
 * (http/server.ts) and the gateway (gateway/proxy.ts). Pure header logic over an origin list;
 * where the list comes from (app settings, config) is the caller's business.
 *
 *  - Only listed origins get CORS headers; an unknown origin gets none (the browser then refuses
 *    to hand the answer to the page), only `Vary: Origin` so caches keep answers apart.
 *  - `*` in the list allows any origin, answered `Access-Control-Allow-Origin: *` and NEVER with
 *    `Access-Control-Allow-Credentials` (the standard forbids the pair, and a wildcard that also
 *    carried cookies would let any site act as the user). Credentials are allowed only for an
 *    exactly listed origin, and only where the process says it uses cookies.
 *  - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here, before
 *    authentication: a browser never sends credentials on a preflight.
 */
export interface CorsOptions {
  /**
   * The allowed origins now (`https://app.example.com`, or `*`), for the app the answer belongs
   * to when it is known (undefined: a preflight, or a refusal before authentication). Read on
   * every request with an Origin, so keep it cheap.
   */
  readonly origins: (appId: string | undefined) => readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` to exactly listed origins (default false). */
  readonly credentials?: boolean;
  /** Methods a preflight may ask for. */
  readonly methods: readonly string[];
  /** How long a browser may cache a preflight answer, seconds (default 600). */
  readonly maxAgeSeconds?: number;
}

/**
 * Response headers a page may read: the request id and Keyward's code (to report and branch on
 * errors), the RateLimit fields and Retry-After (to back off), WWW-Authenticate.
 */
export const EXPOSED_HEADERS = 'x-request-id, x-keyward-code, ratelimit, ratelimit-policy, retry-after, www-authenticate';

/** Request headers a preflight may ask for: the ones Keyward reads, plus what the page's own API needs (checked to be header names). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export type CorsPreflight = { readonly status: 204; readonly headers: Record<string, string> };

export class Cors {
  private readonly methods: string;
  private readonly maxAge: string;

  constructor(private readonly options: CorsOptions) {
    this.methods = options.methods.join(', ');
    this.maxAge = String(options.maxAgeSeconds ?? 600);
  }

  /** True when `headers` make a CORS preflight (answer it with {@link preflight}, before any authentication). */
  static isPreflight(method: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
    return method === 'OPTIONS' && typeof headers.origin === 'string' && typeof headers['access-control-request-method'] === 'string';
  }

  /**
   * The answer to a preflight: 204 with the allowed method and headers for a listed origin; 204
   * with no CORS headers for any other (the browser then blocks the real request).
   */
  preflight(headers: Readonly<Record<string, string | string[] | undefined>>): CorsPreflight {
    const out: Record<string, string> = { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers', 'content-length': '0' };
    const allow = this.allowOrigin(headers.origin, undefined);
    const method = String(headers['access-control-request-method'] ?? '');
    if (allow === undefined || !this.options.methods.includes(method)) return { status: 204, headers: out };
    Object.assign(out, allow);
    out['access-control-allow-methods'] = this.methods;
    const asked = typeof headers['access-control-request-headers'] === 'string' ? headers['access-control-request-headers'] : '';
    const names = asked.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
    if (names.length > 0 && names.length <= 32 && names.every((n) => HEADER_NAME.test(n))) out['access-control-allow-headers'] = names.join(', ');
    out['access-control-max-age'] = this.maxAge;
    return { status: 204, headers: out };
  }

  /** Headers for an actual (non-preflight) response to a request with this Origin; only `Vary` when it is not listed. */
  headers(origin: string | string[] | undefined, appId?: string): Record<string, string> {
    const allow = this.allowOrigin(origin, appId);
    if (allow === undefined) return { vary: 'Origin' };
    allow.vary = 'Origin';
    allow['access-control-expose-headers'] = EXPOSED_HEADERS;
    return allow;
  }

  private allowOrigin(origin: string | string[] | undefined, appId: string | undefined): Record<string, string> | undefined {
    if (typeof origin !== 'string' || origin === 'null') return undefined;
    const list = this.options.origins(appId);
    if (list.length === 0) return undefined;
    // An exactly listed origin wins over `*`, so it can get credentials where they are on.
    if (list.includes(origin)) return this.options.credentials ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' } : { 'access-control-allow-origin': origin };
    return list.includes('*') ? { 'access-control-allow-origin': '*' } : undefined;
  }
}
