import { apiError, KeywardNetworkError } from './errors.js';
import type { SkewClock } from './clock.js';
import { fetchGlobals, type FetchLike, type ResponseLike } from './web.js';

/** A session as the SDK holds it. Persist it in the Keychain/Keystore (see {@link SessionStorage}). */
export interface SessionTokens {
  readonly sessionKey: string;
  readonly refreshToken: string;
  /** When the session key stops working, ms since the epoch (server time). */
  readonly expiresAtMs: number;
}

/** Where the app keeps the session between launches. The SDK never writes it anywhere else. */
export interface SessionStorage {
  load(): Promise<SessionTokens | undefined>;
  save(tokens: SessionTokens | undefined): Promise<void>;
}

export function memorySessionStorage(initial?: SessionTokens): SessionStorage {
  let value = initial;
  return {
    async load() {
      return value;
    },
    async save(tokens) {
      value = tokens;
    },
  };
}

/**
 * Keeps a session alive: refreshes the session key `refreshBeforeMs` before it expires, and only
 * once at a time (concurrent requests share one refresh — a second refresh with the same token
 * would be treated by the server as refresh-token reuse and revoke the session family).
 */
export class SessionManager {
  private inflight: Promise<SessionTokens> | undefined;

  constructor(
    private readonly options: {
      readonly baseUrl: string;
      readonly storage: SessionStorage;
      readonly clock: SkewClock;
      readonly fetch: FetchLike;
      readonly refreshBeforeMs: number;
      readonly refreshPath: string;
      readonly onSessionEnded?: (code: string) => void;
    },
  ) {}

  /** A session key valid for at least `refreshBeforeMs`, refreshing first if needed; undefined when signed out. */
  async current(): Promise<string | undefined> {
    const tokens = await this.options.storage.load();
    if (!tokens) return undefined;
    if (tokens.expiresAtMs - this.options.clock.nowMs() > this.options.refreshBeforeMs) return tokens.sessionKey;
    return (await this.refresh(tokens)).sessionKey;
  }

  /** Forces a refresh (e.g. after the server said SESSION_EXPIRED). Single-flight. */
  async refresh(tokens?: SessionTokens): Promise<SessionTokens> {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      const current = tokens ?? (await this.options.storage.load());
      if (!current) throw new KeywardNetworkError('no session to refresh', undefined);
      let res: ResponseLike;
      try {
        res = await this.options.fetch(new (fetchGlobals().URL)(this.options.refreshPath, this.options.baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: current.refreshToken }),
        });
      } catch (err) {
        throw new KeywardNetworkError('session refresh failed to reach the server', err);
      }
      this.options.clock.observeServerDate(res.headers.get('date'));
      if (!res.ok) {
        const error = await apiError(res);
        if (error.reauthenticate) {
          await this.options.storage.save(undefined);
          this.options.onSessionEnded?.(error.code);
        }
        throw error;
      }
      const body = (await res.json()) as { sessionKey: string; refreshToken: string; expiresAt: string };
      const next: SessionTokens = { sessionKey: body.sessionKey, refreshToken: body.refreshToken, expiresAtMs: Date.parse(body.expiresAt) };
      await this.options.storage.save(next);
      return next;
    })().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Stores tokens from a login. */
  async store(tokens: SessionTokens): Promise<void> {
    await this.options.storage.save(tokens);
  }

  async signOut(): Promise<void> {
    await this.options.storage.save(undefined);
  }
}
