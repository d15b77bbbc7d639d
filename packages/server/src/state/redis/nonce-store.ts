import { KeywardError } from '../../errors/keyward-error.js';
import type { NonceOutcome, NonceStore } from '../../signatures/nonce-store.js';
import type { RedisConnection } from './connect.js';
import { redisKeys, type RedisKeys } from './keys.js';

/**
 * The RFC 9421 replay cache in Redis, shared by every node: one Lua script per check
 * (scripts.ts, NONCE_LUA), so of concurrent checks of one nonce on any nodes exactly one is
 * `fresh`; a full key answers `over_capacity` and never forgets a live nonce.
 *
 * Fails closed: when Redis cannot answer (down, timed out) the check throws
 * SHARED_STATE_UNAVAILABLE (503) and the request is not accepted. Accepting it would let a
 * replay through on whichever node cannot see the others' nonces.
 *
 * Memory: per signing key one sorted set of at most `maxPerKey` live nonces, expiring with its
 * newest nonce (the signature window plus skew).
 */
export class RedisNonceStore implements NonceStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: { readonly maxPerKey: number; readonly now: () => number },
  ) {
    this.keys = redisKeys(redis.keyPrefix);
  }

  async checkAndRemember(keyId: string, nonce: string, expiresAtMs: number): Promise<NonceOutcome> {
    let outcome: string;
    try {
      outcome = await this.redis.client.kwNonce(this.keys.nonces(keyId), nonce, String(expiresAtMs), String(this.options.now()), String(this.options.maxPerKey));
    } catch (err) {
      throw unavailable('the replay cache', err);
    }
    if (outcome === 'fresh' || outcome === 'replayed' || outcome === 'over_capacity') return outcome;
    throw unavailable('the replay cache', new Error(`unexpected script answer ${outcome}`));
  }
}

/** The one error for shared state that cannot answer: 503, and nothing is accepted. */
export function unavailable(what: string, cause: unknown): KeywardError {
  return new KeywardError('SHARED_STATE_UNAVAILABLE', `${what} (Redis) did not answer; the request was not accepted`, { cause });
}
