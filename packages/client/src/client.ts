import { findKeysInText, utf8Encode, type Jwk } from '@keyward/protocol';
import { SkewClock } from './clock.js';
import { apiError, KeywardError, KeywardNetworkError } from './errors.js';
import { memorySessionStorage, SessionManager, type SessionStorage } from './session.js';
import { fetchGlobals, globalFetch, type FetchLike, type HeadersLike, type RequestInitLike, type ResponseLike, type URLLike, type WebFetch, type WebRequestInit, type WebResponse } from './web.js';

/** Signs a request (RFC 9421). Implemented by `hmacSigner` / `keyPairSigner` in signing.ts. */
export interface RequestSigner {
  sign(request: { readonly method: string; readonly url: URLLike; readonly headers: HeadersLike; readonly body?: Uint8Array }, nowSeconds: number): Promise<Record<string, string>>;
}

export interface KeywardClientOptions {
  /** Where the gateway (or your API behind Keyward's middleware) lives. */
  readonly baseUrl: string;
  /** Publishable key bundled in the app; sent as `X-Api-Key` when there is no session. */
  readonly publishableKey?: string;
  /** The user or device a publishable key acts for (sent as `X-Keyward-Subject`). */
  readonly subject?: () => string | undefined;
  /** Session handling; the session key is sent as `Authorization: Bearer`. */
  readonly session?: { readonly storage?: SessionStorage; readonly refreshBeforeSeconds?: number; readonly refreshPath?: string; readonly onSessionEnded?: (code: string) => void };
  /** Sign every request (device key or HMAC signing credential). */
  readonly signer?: RequestSigner;
  /** The app's version, so the access map can require a minimum (`UPGRADE_REQUIRED`). */
  readonly appVersion?: string;
  /** The `fetch` to call (default: the global one, read when the client is created). */
  readonly fetch?: WebFetch;
  readonly now?: () => number;
}

/** Header the gateway and middleware put on their own refusals, so the SDK never mistakes an upstream error for one. */
export const REFUSAL_HEADER = 'x-keyward-code';

/**
 * The refusal code when `res` is Keyward's own refusal, else undefined (an answer of your API,
 * returned as it is). A header alone is not proof: an API behind the middleware, or an upstream
 * that is not, could set it. Keyward's refusals are all three at once: `x-keyward-code`,
 * `application/problem+json` whose `type` is `urn:keyward:problem:…`, and a body `code` equal to
 * the header. (The gateway also renames any `x-keyward-*` header the upstream sends.) The body is
 * read from a clone, so a response that is not a refusal comes back unread.
 */
export async function keywardRefusal(res: ResponseLike): Promise<string | undefined> {
  const code = res.headers.get(REFUSAL_HEADER);
  if (!code) return undefined;
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/problem+json') return undefined;
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    return undefined;
  }
  const problem = body as { type?: unknown; code?: unknown } | null;
  if (problem === null || typeof problem !== 'object' || typeof problem.type !== 'string' || !problem.type.startsWith('urn:keyward:problem:')) return undefined;
  return problem.code === code ? code : undefined;
}

/**
 * A `fetch` that attaches the right credential, signs, keeps the session fresh and retries once
 * on clock skew or an expired session key. Uses only `fetch`, `Headers`, `URL` and WebCrypto, so it
 * runs in browsers, React Native and Node.
 *
 * Refusals by Keyward throw a {@link KeywardApiError} (`code` from the server's catalogue);
 * responses from your API come back as they are.
 */
export function createKeywardClient(options: KeywardClientOptions) {
  let signer = options.signer;
  // The platform's fetch is typed as the platform declares it; the SDK uses it through FetchLike.
  const fetchImpl: FetchLike = options.fetch ? (options.fetch as unknown as FetchLike) : globalFetch();
  const clock = new SkewClock(options.now);
  const session = options.session
    ? new SessionManager({
        baseUrl: options.baseUrl,
        storage: options.session.storage ?? memorySessionStorage(),
        clock,
        fetch: fetchImpl,
        refreshBeforeMs: (options.session.refreshBeforeSeconds ?? 60) * 1000,
        refreshPath: options.session.refreshPath ?? '/v1/sessions/refresh',
        ...(options.session.onSessionEnded ? { onSessionEnded: options.session.onSessionEnded } : {}),
      })
    : undefined;

  async function send(path: string, init: RequestInitLike, attempt: number): Promise<ResponseLike> {
    const { URL, Headers } = fetchGlobals();
    const url = new URL(path, options.baseUrl);
    if (findKeysInText(decodeURIComponentSafe(url.search)).length > 0) {
      throw new KeywardError('refusing to send a Keyward key in a URL; use headers');
    }
    const headers = new Headers(init.headers);
    const sessionKey = session ? await session.current() : undefined;
    if (sessionKey) headers.set('authorization', `Bearer ${sessionKey}`);
    else if (options.publishableKey) {
      headers.set('x-api-key', options.publishableKey);
      const subject = options.subject?.();
      if (subject) headers.set('x-keyward-subject', subject);
    }
    if (options.appVersion) headers.set('x-keyward-app-version', options.appVersion);
    const body = await bodyBytes(init.body);
    if (signer) {
      const added = await signer.sign({ method: (init.method ?? 'GET').toUpperCase(), url, headers, ...(body ? { body } : {}) }, clock.nowSeconds());
      for (const [k, v] of Object.entries(added)) headers.set(k, v);
    }
    let res: ResponseLike;
    try {
      res = await fetchImpl(url, { ...init, headers, ...(body ? { body } : {}) });
    } catch (err) {
      throw new KeywardNetworkError(`request to ${url.origin} failed`, err);
    }
    const skewChanged = clock.observeServerDate(res.headers.get('date'));
    const refusal = await keywardRefusal(res);
    if (refusal === undefined) return res;
    if (attempt === 0 && refusal === 'SIGNATURE_EXPIRED' && skewChanged) return send(path, init, 1);
    if (attempt === 0 && session && sessionKey && (refusal === 'SESSION_EXPIRED' || refusal === 'INVALID_CREDENTIAL')) {
      await session.refresh();
      return send(path, init, 1);
    }
    throw await apiError(res);
  }

  /** Calls a Keyward endpoint the app may call itself (login, device registration) with the publishable key. */
  async function appCall(path: string, body: unknown): Promise<Record<string, unknown>> {
    if (!options.publishableKey) throw new KeywardError('this call needs the publishable key (options.publishableKey)');
    let res: ResponseLike;
    try {
      res = await fetchImpl(new (fetchGlobals().URL)(path, options.baseUrl), { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': options.publishableKey }, body: JSON.stringify(body) });
    } catch (err) {
      throw new KeywardNetworkError(`request to ${options.baseUrl} failed`, err);
    }
    clock.observeServerDate(res.headers.get('date'));
    if (!res.ok) throw await apiError(res);
    return (await res.json()) as Record<string, unknown>;
  }

  return {
    /** Like `fetch(path, init)`, with `path` relative to `baseUrl`. */
    // What comes back is the platform fetch's own Response, so it is typed as one.
    fetch: (path: string, init: WebRequestInit = {}): Promise<WebResponse> => send(path, init as RequestInitLike, 0) as unknown as Promise<WebResponse>,
    session,
    clock,
    /** Signs every later request with this signer (e.g. after registering the device). */
    setSigner(next: RequestSigner | undefined) {
      signer = next;
    },
    /**
     * Password login with Keyward-managed passwords; stores the session in `session.storage`.
     * Errors: LOGIN_FAILED, LOGIN_THROTTLED (with `retryAfterSeconds`).
     */
    async login(subject: string, password: string, device?: { name?: string; platform?: string; appVersion?: string }): Promise<void> {
      if (!session) throw new KeywardError('login needs the session option');
      const r = await appCall('/v1/sessions/login', { subject, password, ...(device ? { device } : {}) });
      await session.store({ sessionKey: r.sessionKey as string, refreshToken: r.refreshToken as string, expiresAtMs: Date.parse(r.expiresAt as string) });
    },
    /** Registers this install. With a public JWK the device signs as itself; otherwise a device secret is returned once. */
    async registerDevice(input: { platform: string; appVersion?: string; publicJwk?: Jwk }): Promise<{ deviceId: string; secret?: string }> {
      const r = await appCall('/v1/devices', { platform: input.platform, ...(input.appVersion ? { appVersion: input.appVersion } : {}), ...(input.publicJwk ? { publicKey: input.publicJwk } : {}) });
      const device = r.device as { id: string };
      return { deviceId: device.id, ...(typeof r.secret === 'string' ? { secret: r.secret } : {}) };
    },
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function bodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return utf8Encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  const { URLSearchParams, Blob } = fetchGlobals();
  if (URLSearchParams !== undefined && body instanceof URLSearchParams) return utf8Encode(body.toString());
  if (Blob !== undefined && body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  throw new TypeError('@keyward/client signs string, Uint8Array, ArrayBuffer, URLSearchParams or Blob bodies; streams cannot be signed');
}
