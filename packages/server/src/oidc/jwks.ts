import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { OidcAlgorithm } from './config.js';

/** A provider key as Keyward uses it: one kid, one algorithm, a public KeyObject. */
export interface PinnedKey {
  readonly kid: string;
  readonly alg: OidcAlgorithm;
  readonly key: KeyObject;
}

export interface JwksCacheOptions {
  /** Longest wait for the provider's answer, ms. Default 5 000. */
  readonly fetchTimeoutMs?: number;
  /** Largest JWKS document read, bytes. Default 256 KiB. */
  readonly maxBytes?: number;
  /** Cache lifetime when the answer has no usable `Cache-Control: max-age`, ms. Default 10 min. */
  readonly defaultTtlMs?: number;
  /** `max-age` is honoured within these bounds, ms. Defaults 1 min and 24 h. */
  readonly minTtlMs?: number;
  readonly maxTtlMs?: number;
  /**
   * At most one fetch per this interval beyond the scheduled ones: a token with an unknown kid
   * (a key the provider just rotated in, or a forger's invention) and a failed fetch both wait
   * for it, so a flood of made-up kids costs the provider one request per interval. Default 30 000.
   */
  readonly minRefetchIntervalMs?: number;
  /** When the provider cannot be reached, keys already fetched are used this long past their lifetime, ms. Default 24 h. */
  readonly maxStaleMs?: number;
  readonly onError?: (err: unknown, jwksUri: string) => void;
}

export type KeyLookup = { readonly found: true; readonly key: PinnedKey } | { readonly found: false; readonly reason: 'UNKNOWN_KID' | 'JWKS_UNAVAILABLE' };

/** The algorithm a JWK's type and curve allow, or undefined (unsupported, or not a signing key). */
function algorithmOf(jwk: Record<string, unknown>): OidcAlgorithm | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ['kty', 'n', 'e'], EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'] };

/**
 * The usable keys of a JWKS document, each pinned to the one algorithm its type allows (a JWK
 * `alg` that disagrees drops the key). Skipped: keys without a kid, not for signatures (`use`,
 * `key_ops`), carrying private members, RSA under 2048 bits, and every key of a kid that appears
 * twice (one algorithm per kid, never a choice between two keys).
 */
export function parseJwks(doc: unknown): Map<string, PinnedKey> {
  const out = new Map<string, PinnedKey>();
  const duplicated = new Set<string>();
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('not a JWKS document (no keys array)');
  for (const raw of keys.slice(0, 100)) {
    if (raw === null || typeof raw !== 'object') continue;
    const jwk = raw as Record<string, unknown>;
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) continue;
    if ('d' in jwk || 'p' in jwk || 'k' in jwk) continue;
    const alg = algorithmOf(jwk);
    if (alg === undefined || (jwk.alg !== undefined && jwk.alg !== alg)) continue;
    let key: KeyObject;
    try {
      const members = Object.fromEntries(PUBLIC_MEMBERS[jwk.kty as string]!.map((m) => [m, jwk[m]]));
      key = createPublicKey({ key: members as never, format: 'jwk' });
    } catch {
      continue;
    }
    if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) continue;
    if (out.has(jwk.kid) || duplicated.has(jwk.kid)) {
      out.delete(jwk.kid);
      duplicated.add(jwk.kid);
      continue;
    }
    out.set(jwk.kid, { kid: jwk.kid, alg, key });
  }
  return out;
}

/** `max-age` of a Cache-Control value in ms, 0 for no-store/no-cache, undefined when it says neither. */
export function maxAgeMs(cacheControl: string | string[] | undefined): number | undefined {
  const v = (Array.isArray(cacheControl) ? cacheControl.join(',') : (cacheControl ?? '')).toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(v)) return 0;
  const m = /(?:^|[\s,])max-age\s*=\s*"?(\d{1,10})"?/.exec(v);
  return m ? Number(m[1]) * 1000 : undefined;
}

/**
 * One provider's JWKS, fetched on first use, kept for its `Cache-Control: max-age` (within
 * bounds), refetched once it expires or when a token names a kid it does not hold (rate limited,
 * see `minRefetchIntervalMs`). Concurrent lookups share one fetch. A provider that cannot be
 * reached is an outage, not a "no": lookups say JWKS_UNAVAILABLE (503 to the caller) once no
 * usable keys are left, and keys already held are used up to `maxStaleMs` past their lifetime.
 */
export class RemoteJwks {
  private keys = new Map<string, PinnedKey>();
  private fetchedAtMs: number | undefined;
  private freshUntilMs = 0;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(
    readonly uri: string,
    private readonly now: Clock,
    private readonly options: JwksCacheOptions = {},
  ) {}

  async lookup(kid: string): Promise<KeyLookup> {
    const now = this.now();
    const interval = this.options.minRefetchIntervalMs ?? 30_000;
    const due = now >= this.freshUntilMs;
    if (this.inflight) await this.inflight;
    else if ((due || !this.keys.has(kid)) && now - this.lastAttemptMs >= interval) await this.refresh();
    const usable = this.fetchedAtMs !== undefined && this.now() < this.freshUntilMs + (this.options.maxStaleMs ?? 86_400_000);
    if (!usable) return { found: false, reason: 'JWKS_UNAVAILABLE' };
    const key = this.keys.get(kid);
    return key ? { found: true, key } : { found: false, reason: 'UNKNOWN_KID' };
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetch(): Promise<void> {
    this.lastAttemptMs = this.now();
    const timeout = this.options.fetchTimeoutMs ?? 5_000;
    const maxBytes = this.options.maxBytes ?? 256 * 1024;
    try {
      // Global fetch, no redirects: the keys come from the configured URL and nowhere else.
      const res = await fetch(this.uri, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeout) });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        throw new Error(`JWKS answered ${res.status}`);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) {
          await reader.cancel();
          throw new Error(`JWKS larger than ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
      const keys = parseJwks(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      const now = this.now();
      const ttl = maxAgeMs(res.headers.get('cache-control') ?? undefined);
      const min = this.options.minTtlMs ?? 60_000;
      const max = this.options.maxTtlMs ?? 86_400_000;
      this.keys = keys;
      this.fetchedAtMs = now;
      this.freshUntilMs = now + (ttl === undefined ? (this.options.defaultTtlMs ?? 600_000) : Math.min(max, Math.max(min, ttl)));
    } catch (err) {
      // The keys held so far stay (see maxStaleMs); the next attempt waits for minRefetchIntervalMs.
      this.options.onError?.(err, this.uri);
    }
  }
}

/** One RemoteJwks per JWKS URL, shared by every app that names it. */
export class JwksRegistry {
  private readonly byUri = new Map<string, RemoteJwks>();

  constructor(
    private readonly now: Clock,
    private readonly options: JwksCacheOptions = {},
  ) {}

  get(uri: string): RemoteJwks {
    let jwks = this.byUri.get(uri);
    if (jwks === undefined) {
      // Bounded by the providers configured (8 per app); a URL no app names any more is dropped at the cap.
      if (this.byUri.size >= 1000) this.byUri.clear();
      this.byUri.set(uri, (jwks = new RemoteJwks(uri, this.now, this.options)));
    }
    return jwks;
  }
}
