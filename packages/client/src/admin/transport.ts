import { apiError, KeywardNetworkError } from '../errors.js';
import { ROUTES, type OperationId, type Operations } from './api.gen.js';
import { globalFetch, type FetchLike, type RequestInitLike, type ResponseLike, type WebFetch } from '../web.js';

/** What one call of an operation takes: path parameters, query and JSON body, each when the operation has them. */
export type CallInput<K extends OperationId> = ([Operations[K]['params']] extends [never] ? { readonly params?: undefined } : { readonly params: Operations[K]['params'] }) &
  ([Operations[K]['query']] extends [never] ? { readonly query?: undefined } : { readonly query?: Operations[K]['query'] }) &
  ([Operations[K]['body']] extends [never] ? { readonly body?: undefined } : Operations[K]['bodyRequired'] extends true ? { readonly body: Operations[K]['body'] } : { readonly body?: Operations[K]['body'] });

export interface AdminTransportOptions {
  /** Where the Keyward API listens, e.g. `http://127.0.0.1:8787`. */
  readonly baseUrl: string;
  /** A root key (`kw_root_…`), or an app's secret key for the calls it may make (verify, sessions, tokens). Sent as `Authorization: Bearer`. */
  readonly rootKey: string;
  /** Defaults to the global `fetch` (Node 18+, Deno, Bun, browsers, workers). */
  readonly fetch?: WebFetch;
  /** Extra headers on every request (e.g. `x-request-id` from your own tracing). Never put a secret here that the server should not log. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Calls one operation by its operationId; everything the SDK sends goes through here. */
export type Call = <K extends OperationId>(operation: K, input: CallInput<K>) => Promise<Operations[K]['response']>;

/**
 * The one request path of the admin SDK. Refusals become {@link KeywardApiError} (code, status,
 * requestId, Retry-After), network failures {@link KeywardNetworkError}; nothing here imports
 * `node:` modules, so it runs wherever `fetch` runs.
 */
export function createTransport(options: AdminTransportOptions): Call {
  if (!options.baseUrl) throw new TypeError('baseUrl is required');
  if (!options.rootKey) throw new TypeError('rootKey is required');
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ? (options.fetch as unknown as FetchLike) : globalFetch();
  return async (operation, input) => {
    const route = ROUTES[operation];
    const params = (input.params ?? {}) as Record<string, string>;
    const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const value = params[name];
      if (typeof value !== 'string' || value === '') throw new TypeError(`${name} is required`);
      return encodeURIComponent(value);
    });
    const query: string[] = [];
    for (const [k, v] of Object.entries((input.query ?? {}) as Record<string, unknown>)) if (v !== undefined) query.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (!route.public) headers.authorization = `Bearer ${options.rootKey}`;
    const init: RequestInitLike = { method: route.method, headers };
    if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(input.body);
    }
    const qs = query.join('&');
    let res: ResponseLike;
    try {
      res = await doFetch(`${base}${path}${qs ? `?${qs}` : ''}`, init);
    } catch (err) {
      throw new KeywardNetworkError(`could not reach Keyward at ${base}`, err);
    }
    if (!res.ok) throw await apiError(res);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as never;
  };
}
