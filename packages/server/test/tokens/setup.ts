import { base64url, CompactSign, importJWK, type JWK } from 'jose';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward } from '../../src/keyward.js';
import { SqlTokenStore } from '../../src/store/sql/token-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTokenService, type TokenServiceOptions } from '../../src/tokens/service.js';
import type { JwtAlgorithm } from '../../src/tokens/store.js';
import type { MintInput } from '../../src/tokens/mint.js';
import { CLI } from '../helpers.js';

export const T0 = Date.UTC(2026, 5, 1);
export const T0S = T0 / 1000;

/**
 * A Keyward on in-memory SQLite with a frozen clock, and a TokenService built with
 * createTokenService on the same database (maintenance timer off: tests drive time).
 */
export async function tokenSetup(options: Partial<TokenServiceOptions> = {}) {
  const clock = manualClock(T0);
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
  const store = new SqlTokenStore(kw.store.db);
  const tokens = createTokenService({ store, keyring: kw.keyring, now: clock, maxTtlSeconds: 3600, maintenanceIntervalMs: 0, ...options });
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const mint = (over: Partial<MintInput> = {}) =>
    tokens.mint({ appId: app.id, environment: 'live', subject: 'user_1', scopes: ['files:write'], audience: 'uploads', ttlSeconds: 300, ...over });
  /** Signs anything with our real active key: lets tests ask "would we accept these claims if we had signed them?". */
  const signAsKeyward = async (alg: JwtAlgorithm, header: Record<string, unknown>, payload: Record<string, unknown> | Uint8Array) => {
    await tokens.init();
    const rec = (await store.listSigningKeys()).find((k) => k.alg === alg && k.state === 'active')!;
    const key = await importJWK(JSON.parse(kw.keyring.open(rec.sealedPrivateJwk, `jwk:${rec.kid}`).toString('utf8')) as JWK, alg);
    const bytes = payload instanceof Uint8Array ? payload : new TextEncoder().encode(JSON.stringify(payload));
    return new CompactSign(bytes).setProtectedHeader({ alg, kid: rec.kid, typ: 'JWT', ...header } as never).sign(key);
  };
  const close = async () => {
    tokens.close();
    await kw.close();
  };
  return { kw, clock, store, tokens, app, mint, signAsKeyward, close };
}

export const b64json = (v: unknown): string => base64url.encode(JSON.stringify(v));
export const segments = (t: string) => t.split('.') as [string, string, string];
export const decodeHeader = (t: string) => JSON.parse(new TextDecoder().decode(base64url.decode(segments(t)[0])));
export const decodePayload = (t: string) => JSON.parse(new TextDecoder().decode(base64url.decode(segments(t)[1])));
