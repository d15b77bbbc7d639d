import { KeywardError } from '../errors/keyward-error.js';
import type { KeyDecision } from '../keys/decide.js';
import type { KeyRecord } from '../keys/model.js';
import type { KeyVerifier } from '../keys/verifier.js';
import type { Clock } from '../lib/clock.js';
import { digestsEqual } from '../lib/crypto.js';
import { csrfTokenFor, hashSecret, newConsoleSecret, sessionUsable, type ConsoleSession } from './model.js';
import type { ConsoleSessionStore } from './store.js';

export interface ConsoleServiceOptions {
  readonly store: ConsoleSessionStore;
  readonly verifier: Pick<KeyVerifier, 'digest' | 'verifyDigest'>;
  readonly now: Clock;
  /** Lifetime of a dashboard session, seconds: it ends then whatever the browser does. */
  readonly ttlSeconds: number;
}

export interface SignedIn {
  /** The cookie value: shown to the browser once, in Set-Cookie; only its hash is stored. */
  readonly secret: string;
  readonly csrfToken: string;
  readonly session: ConsoleSession;
  readonly key: KeyRecord;
}

const ROOT = ['root'] as const;

/**
 * Dashboard sessions (console/model.ts). Sign-in checks the root key with the one verifier (as a
 * header would be checked); every later request re-checks the key by its hash, so a revoked,
 * disabled or expired root key ends its sessions at once.
 */
export class ConsoleService {
  constructor(private readonly options: ConsoleServiceOptions) {}

  async signIn(rootKey: string, ip: string, requestId: string): Promise<SignedIn> {
    const digest = this.options.verifier.digest(rootKey);
    const decision = typeof digest === 'string' ? await this.options.verifier.verifyDigest(digest, { kinds: ROOT, ip }) : digest;
    if (!decision.valid || typeof digest !== 'string') throw new KeywardError('UNAUTHORIZED', 'the root key is not valid', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    const now = this.options.now();
    const secret = newConsoleSecret();
    const session: ConsoleSession = { idHash: hashSecret(secret), rootKeyId: decision.key.id, keyHash: digest, createdAtMs: now, expiresAtMs: now + this.options.ttlSeconds * 1000, revokedAtMs: null };
    await this.options.store.create(session, { actor: decision.key.id, requestId, action: 'console.sign_in', target: decision.key.id, data: { expiresAtMs: session.expiresAtMs } });
    void this.options.store.prune(now).catch(() => {});
    return { secret, csrfToken: csrfTokenFor(secret), session, key: decision.key };
  }

  /**
   * The session and root key behind a cookie, or a refusal. `csrf` is required for requests that
   * change something (the caller decides which); it is compared in constant time.
   */
  async resolve(secret: string, ip: string, csrf: { readonly required: boolean; readonly presented: string | undefined }): Promise<{ session: ConsoleSession; decision: KeyDecision & { valid: true } }> {
    const session = await this.options.store.get(hashSecret(secret));
    if (!sessionUsable(session, this.options.now())) throw new KeywardError('UNAUTHORIZED', 'the dashboard session has ended; sign in again', { headers: { 'www-authenticate': 'Bearer' } });
    if (csrf.required) {
      const expected = csrfTokenFor(secret);
      if (csrf.presented === undefined || csrf.presented.length !== expected.length || !digestsEqual(csrf.presented, expected)) throw new KeywardError('FORBIDDEN', 'missing or wrong X-Keyward-CSRF header');
    }
    const decision = await this.options.verifier.verifyDigest(session.keyHash, { kinds: ROOT, ip });
    if (!decision.valid) throw new KeywardError('UNAUTHORIZED', 'the root key of this dashboard session is no longer valid; sign in again', { headers: { 'www-authenticate': 'Bearer' } });
    return { session, decision };
  }

  /** Ends the session on the server; signing out twice is not an error. */
  async signOut(secret: string, requestId: string): Promise<void> {
    const session = await this.options.store.get(hashSecret(secret));
    if (!session) return;
    await this.options.store.revoke(session.idHash, this.options.now(), { actor: session.rootKeyId, requestId, action: 'console.sign_out', target: session.rootKeyId });
  }
}
