import { ASSERTION_HEADER, assertionClientData, contentDigest, jwtId, utf8Encode } from '@keyward/protocol';
import { keywardRefusal } from './client.js';
import { apiError, KeywardError, KeywardNetworkError } from './errors.js';
import { fetchGlobals, globalFetch, type FetchLike, type HeadersInitLike, type RequestInitLike, type ResponseLike, type URLLike, type WebFetch } from './web.js';

/**
 * The app side of the platform: App Attest on iOS, Key Attestation or Play Integrity on Android,
 * a debug token in a simulator, or a simulated platform in tests. The native calls live in the
 * app (docs/attestation.md shows the Swift and Kotlin side); the SDK only moves bytes.
 */
export interface AttestationBridge {
  /**
   * The platform payload for `POST /v1/attest` over `challenge` (base64url of 32 bytes), e.g.
   * `{platform: 'apple', keyId, attestation}` with clientDataHash = SHA-256(challenge bytes).
   */
  attest(challenge: string): Promise<{ readonly platform: string } & Readonly<Record<string, unknown>>>;
  /**
   * The `Keyward-Assertion` header value over `clientData` (Apple: the CBOR assertion from
   * generateAssertion over SHA-256(clientData); other platforms: `<counter>.<DER ECDSA P-256
   * signature over clientData ‖ "\n" ‖ counter>`, the counter rising with every call). Absent:
   * the bridge cannot assert (debug), and routes that require assertions refuse this app.
   */
  assert?(clientData: Uint8Array): Promise<string>;
  /**
   * The server no longer knows or trusts the attested key (REATTESTATION_REQUIRED,
   * ATTESTATION_INSTANCE_UNKNOWN, e.g. after a device restore): drop it so the next `attest`
   * makes a new one.
   */
  reset?(): Promise<void>;
}

export interface AttestationClientOptions {
  readonly baseUrl: string;
  /** The app's publishable key: names the app and environment for the challenge and the exchange. */
  readonly publishableKey: string;
  readonly bridge: AttestationBridge;
  /** Refresh the app token this long before it expires, seconds (default 300). */
  readonly refreshBeforeSeconds?: number;
  readonly fetch?: WebFetch;
  readonly now?: () => number;
}

/** Codes after which the SDK attests again (once) and retries the request. */
const REATTEST = new Set(['REATTESTATION_REQUIRED', 'ATTESTATION_INSTANCE_UNKNOWN']);

interface Held {
  readonly token: string;
  readonly jti: string;
  readonly instanceId: string;
  readonly expiresAtMs: number;
}

/**
 * Drives the attestation flow: challenge → bridge.attest → exchange for an app token, cached and
 * refreshed before expiry (single-flight: concurrent requests share one attestation), sent as
 * `Authorization: Bearer`; assertions added on the requests that ask for them. On
 * REATTESTATION_REQUIRED or ATTESTATION_INSTANCE_UNKNOWN it resets the bridge, attests again
 * and retries once: the documented re-attestation path.
 */
export class AttestationClient {
  private held: Held | undefined;
  private inflight: Promise<Held> | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;

  constructor(private readonly options: AttestationClientOptions) {
    this.fetchImpl = (options.fetch as FetchLike | undefined) ?? globalFetch();
    this.now = options.now ?? Date.now;
  }

  /** The attested instance (after the first attestation). */
  get instanceId(): string | undefined {
    return this.held?.instanceId;
  }

  /** A valid app token, attesting first when there is none or it is about to expire. */
  async appToken(): Promise<string> {
    return (await this.current()).token;
  }

  private async current(): Promise<Held> {
    const h = this.held;
    if (h && h.expiresAtMs - this.now() > (this.options.refreshBeforeSeconds ?? 300) * 1000) return h;
    return this.attest();
  }

  /** Attests now (single-flight). */
  attest(): Promise<Held> {
    this.inflight ??= this.exchange().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async exchange(): Promise<Held> {
    const { challenge } = (await this.call('/v1/attest/challenge', { method: 'POST', headers: { 'x-api-key': this.options.publishableKey } })) as { challenge: string };
    const payload = await this.options.bridge.attest(challenge);
    const body = (await this.call('/v1/attest', { method: 'POST', headers: { 'x-api-key': this.options.publishableKey, 'content-type': 'application/json' }, body: JSON.stringify({ challenge, payload }) })) as { appToken: string; expiresAt: string; instanceId: string };
    const jti = jwtId(body.appToken);
    if (!jti) throw new KeywardError('the server answered with an app token the SDK cannot read');
    this.held = { token: body.appToken, jti, instanceId: body.instanceId, expiresAtMs: Date.parse(body.expiresAt) };
    return this.held;
  }

  /**
   * `fetch` with the app token, and with an assertion when `assert` is set (for routes with
   * `require: [assertion]`). A string body is what the assertion's Content-Digest covers; other
   * body types cannot be asserted.
   */
  async fetch(path: string, init: RequestInitLike & { readonly body?: string } = {}, options: { readonly assert?: boolean } = {}): Promise<ResponseLike> {
    const first = await this.send(path, init, options.assert === true);
    if (first.ok) return first;
    // Only Keyward's own refusal (not an upstream's 401) triggers re-attestation.
    const code = await keywardRefusal(first);
    if (code === undefined || !REATTEST.has(code)) return first;
    this.held = undefined;
    await this.options.bridge.reset?.();
    await this.attest();
    return this.send(path, init, options.assert === true);
  }

  /** The runtime secrets this instance may hold (`GET /v1/attest/secrets`); keep them in memory only. */
  async runtimeSecrets(): Promise<Record<string, string>> {
    const res = await this.fetch('/v1/attest/secrets', { method: 'GET' });
    if (!res.ok) throw await apiError(res);
    return ((await res.json()) as { secrets: Record<string, string> }).secrets;
  }

  private async send(path: string, init: RequestInitLike & { readonly body?: string }, assert: boolean): Promise<ResponseLike> {
    const held = await this.current();
    const url = this.url(path);
    const headers = new (fetchGlobals().Headers)(init.headers as HeadersInitLike | undefined);
    headers.set('authorization', `Bearer ${held.token}`);
    if (assert) {
      if (!this.options.bridge.assert) throw new KeywardError('this platform bridge cannot make assertions');
      const method = (init.method ?? 'GET').toUpperCase();
      const digest = init.body !== undefined && init.body.length > 0 ? await contentDigest(utf8Encode(init.body)) : '';
      if (digest) headers.set('content-digest', digest);
      headers.set(ASSERTION_HEADER, await this.options.bridge.assert(assertionClientData({ method, target: url.pathname + url.search, contentDigest: digest, tokenJti: held.jti })));
    }
    try {
      return await this.fetchImpl(url, { ...init, headers });
    } catch (err) {
      throw new KeywardNetworkError('the request failed to reach the server', err);
    }
  }

  private url(path: string): URLLike {
    return new (fetchGlobals().URL)(path, this.options.baseUrl);
  }

  private async call(path: string, init: RequestInitLike): Promise<unknown> {
    let res: ResponseLike;
    try {
      res = await this.fetchImpl(this.url(path), init);
    } catch (err) {
      throw new KeywardNetworkError('attestation failed to reach the server', err);
    }
    if (!res.ok) throw await apiError(res);
    return res.json();
  }
}
