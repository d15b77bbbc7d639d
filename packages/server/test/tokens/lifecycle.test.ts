import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/config.js';
import { acceptsTokens, DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS, JWKS_MAX_AGE_SECONDS, signingKeyFor } from '../../src/tokens/lifecycle.js';
import type { SigningKeyRecord, SigningKeyState } from '../../src/tokens/store.js';

const T = 1_000_000;
const key = (kid: string, state: SigningKeyState, activatesAtMs: number, over: Partial<SigningKeyRecord> = {}): SigningKeyRecord => ({
  kid, alg: 'EdDSA', publicJwk: {}, sealedPrivateJwk: '', state, createdAtMs: Math.min(activatesAtMs, T), activatesAtMs, retireAfterMs: null, ...over,
});

/** Every order of `items`: the decision must not depend on the order the store returned rows in. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('signingKeyFor (pure)', () => {
  const active = key('jwk_a', 'active', T - 1000);
  const pending = key('jwk_p', 'pending', T + 5000);
  const published = key('jwk_o', 'published', T - 9000, { retireAfterMs: T + 99_000 });
  const es256 = key('jwk_e', 'active', T - 500, { alg: 'ES256' });
  const all = [published, active, pending, es256];

  it.each([
    ['before the pending key is due: the active key', T + 4999, 'jwk_a'],
    ['at activatesAtMs: the pending key, before any store change', T + 5000, 'jwk_p'],
    ['long after: still the pending key', T + 10_000_000, 'jwk_p'],
  ])('%s', (_name, nowMs, kid) => {
    for (const order of permutations(all)) expect(signingKeyFor(order, 'EdDSA', nowMs)?.kid).toBe(kid);
  });

  it('algorithms are independent; a published key never signs; no key, no signer', () => {
    expect(signingKeyFor(all, 'ES256', T + 10_000)?.kid).toBe('jwk_e');
    expect(signingKeyFor([published], 'EdDSA', T)).toBeUndefined();
    expect(signingKeyFor([], 'EdDSA', T)).toBeUndefined();
    expect(signingKeyFor([key('jwk_p', 'pending', T + 1)], 'EdDSA', T)).toBeUndefined();
  });

  it('an active key signs even when this clock is behind its activatesAtMs (a node with a slow clock is never left without a signer)', () => {
    expect(signingKeyFor([key('jwk_n', 'active', T + 2000)], 'EdDSA', T)?.kid).toBe('jwk_n');
  });

  it('ties: the active key, then the greater kid, whatever the order', () => {
    for (const order of permutations([key('jwk_b', 'pending', T), key('jwk_a', 'active', T)])) expect(signingKeyFor(order, 'EdDSA', T)?.kid).toBe('jwk_a');
    for (const order of permutations([key('jwk_b', 'pending', T), key('jwk_c', 'pending', T)])) expect(signingKeyFor(order, 'EdDSA', T)?.kid).toBe('jwk_c');
  });
});

describe('acceptsTokens (pure)', () => {
  it.each([
    ['active', key('k', 'active', T), T + 1e9, true],
    ['pending, before its time (published first)', key('k', 'pending', T + 5000), T, true],
    ['published, before retirement', key('k', 'published', T, { retireAfterMs: T + 10 }), T + 9, true],
    ['published, at retirement', key('k', 'published', T, { retireAfterMs: T + 10 }), T + 10, false],
    ['retired', key('k', 'retired', T), T, false],
  ])('%s', (_name, record, nowMs, expected) => {
    expect(acceptsTokens(record, nowMs)).toBe(expected);
  });
});

describe('signing-key publish delay', () => {
  it('defaults to at least the JWKS max-age', () => {
    expect(DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS).toBeGreaterThanOrEqual(JWKS_MAX_AGE_SECONDS);
    expect(loadConfig({}, {}).signingKeyPublishDelaySeconds).toBe(DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS);
  });

  it('is read from KEYWARD_SIGNING_KEY_PUBLISH_DELAY_SECONDS, a flag wins, and a bad value stops start-up', () => {
    expect(loadConfig({}, { KEYWARD_SIGNING_KEY_PUBLISH_DELAY_SECONDS: '0' }).signingKeyPublishDelaySeconds).toBe(0);
    expect(loadConfig({ signingKeyPublishDelaySeconds: 900 }, { KEYWARD_SIGNING_KEY_PUBLISH_DELAY_SECONDS: '0' }).signingKeyPublishDelaySeconds).toBe(900);
    for (const bad of ['-1', '1.5', '86401', 'soon']) {
      let err: unknown;
      try {
        loadConfig({}, { KEYWARD_SIGNING_KEY_PUBLISH_DELAY_SECONDS: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(1);
    }
  });
});
