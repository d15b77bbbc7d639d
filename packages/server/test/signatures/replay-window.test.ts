import { describe, expect, it } from 'vitest';
import { verifyRequestSignature } from '../../src/signatures/verify.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';
import { keyPair, NOW_MS, signedMessage } from './helpers.js';

/**
 * A nonce is remembered for as long as its signature could still verify: until min(expires,
 * created + max age) + skew. A shorter memory (say 1 s) would let the same request be replayed
 * later inside that window.
 */
describe('the replay cache remembers a nonce for the whole validity window', () => {
  it('the same signed request is refused as SIGNATURE_REPLAYED at once and until one second before its window ends', async () => {
    const k = await keyPair('hmac-sha256');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    let nowMs = NOW_MS;
    const nonces = new MemoryNonceStore({ maxPerKey: 1000, now: () => nowMs, sweepIntervalMs: 0 });
    const options = { resolveKey: async (id: string) => (id === k.keyId ? { ...k.verify, keyId: k.keyId, owner: 'owner' } : undefined), nonces, now: () => nowMs };
    expect((await verifyRequestSignature(view, undefined, options)).valid).toBe(true);
    expect(await verifyRequestSignature(view, undefined, options)).toMatchObject({ valid: false, code: 'SIGNATURE_REPLAYED' });
    // The window: expires (created + 300 s) plus the 300 s skew, so the signature verifies until +600 s.
    for (const laterMs of [2_000, 60_000, 599_000]) {
      nowMs = NOW_MS + laterMs;
      expect(await verifyRequestSignature(view, undefined, options), `+${laterMs} ms`).toMatchObject({ valid: false, code: 'SIGNATURE_REPLAYED' });
    }
    // After the window the signature itself is expired: refused for that, not accepted again.
    nowMs = NOW_MS + 601_000;
    expect(await verifyRequestSignature(view, undefined, options)).toMatchObject({ valid: false, code: 'SIGNATURE_EXPIRED' });
  });
});
