import { describe, expect, it } from 'vitest';
import type { HttpMessageView } from '@keyward/protocol';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';
import { verifyRequestSignature } from '../../src/signatures/verify.js';
import { keyPair, NOW_MS, signedMessage, verifyOptions } from './helpers.js';

const withHeader = (v: HttpMessageView, name: string, value: string): HttpMessageView => ({
  ...v,
  headerLines: v.headerLines.map(([n, val]) => [n, n.toLowerCase() === name ? value : val] as [string, string]),
});

describe('request signatures: SDK signer → server verifier', () => {
  it.each(['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const)('%s round trip, with body and Content-Digest', async (alg) => {
    const k = await keyPair(alg);
    const { view, body } = await signedMessage(k.signer, { method: 'POST', url: 'https://api.example.com/v1/users/42/tags?x=1', headers: { 'content-type': 'application/json', authorization: 'Bearer kw_ss_live_abc' }, body: '{"tag":"vip"}' });
    const result = await verifyRequestSignature(view, body, verifyOptions(k.verify, k.keyId));
    expect(result).toMatchObject({ valid: true, code: 'VALID', keyId: k.keyId, alg });
    if (result.valid) expect(result.components).toEqual(expect.arrayContaining(['"@method"', '"@authority"', '"@path"', '"@query"', '"content-digest"', '"authorization"']));
  });

  it('a request that must be signed and is not gets SIGNATURE_REQUIRED (no downgrade)', async () => {
    const view: HttpMessageView = { method: 'GET', scheme: 'https', authority: 'a', rawTarget: '/', headerLines: [['Host', 'a'], ['Authorization', 'Bearer x']] };
    const k = await keyPair('hmac-sha256');
    expect(await verifyRequestSignature(view, undefined, verifyOptions(k.verify, k.keyId))).toMatchObject({ valid: false, code: 'SIGNATURE_REQUIRED' });
  });

  it('the algorithm comes from the key, never the message', async () => {
    const k = await keyPair('hmac-sha256');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    const swapped = withHeader(view, 'signature-input', view.headerLines.find(([n]) => n === 'signature-input')![1].replace('alg="hmac-sha256"', 'alg="ed25519"'));
    expect(await verifyRequestSignature(swapped, undefined, verifyOptions(k.verify, k.keyId))).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
    const ed = await keyPair('ed25519', k.keyId);
    // The same keyid registered as Ed25519: an HMAC signature must not verify against it.
    expect(await verifyRequestSignature(view, undefined, verifyOptions(ed.verify, k.keyId))).toMatchObject({ valid: false });
  });

  it('enforces created/expires with the skew window (frozen clock)', async () => {
    const k = await keyPair('ed25519');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    const at = (ms: number, maxAgeSeconds?: number) => verifyRequestSignature(view, undefined, { ...verifyOptions(k.verify, k.keyId, ms), ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) });
    expect((await at(NOW_MS - 300_000)).valid).toBe(true); // signer's clock 300 s ahead: inside skew
    expect(await at(NOW_MS - 301_000)).toMatchObject({ valid: false, code: 'SIGNATURE_EXPIRED', reason: 'CREATED_IN_FUTURE' });
    expect((await at(NOW_MS + 599_000)).valid).toBe(true); // expires (300) + skew (300)
    // The signer's expires is created + 300, the default max age too: each rule is tested where only it applies.
    // expires alone: a long max age (1000 s) leaves only `expires` (created + 300) to refuse at +601 s.
    expect((await at(NOW_MS + 599_000, 1000)).valid).toBe(true);
    expect(await at(NOW_MS + 601_000, 1000)).toMatchObject({ valid: false, code: 'SIGNATURE_EXPIRED', reason: 'EXPIRED' });
    // max age alone: 100 s (+ 300 s skew) ends at +400 s, while expires (+300, + skew) would allow until +600 s.
    expect((await at(NOW_MS + 399_000, 100)).valid).toBe(true);
    expect(await at(NOW_MS + 401_000, 100)).toMatchObject({ valid: false, code: 'SIGNATURE_EXPIRED', reason: 'TOO_OLD' });
  });

  it('requires the default coverage', async () => {
    const k = await keyPair('hmac-sha256');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    const strict = { ...verifyOptions(k.verify, k.keyId), requiredComponents: ['@method', '@authority', '@path', '@query', 'x-required'] };
    expect(await verifyRequestSignature(view, undefined, strict)).toMatchObject({ valid: false, code: 'SIGNATURE_COVERAGE' });
  });

  it('coverage is judged per policy: the same head, remembered under the default list, is refused under a stricter one', async () => {
    const k = await keyPair('hmac-sha256');
    // Two requests with one Signature-Input head share its parsed component list (the head cache).
    const a = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/one' });
    const b = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/two' });
    expect((await verifyRequestSignature(a.view, undefined, verifyOptions(k.verify, k.keyId))).valid).toBe(true);
    const strict = { ...verifyOptions(k.verify, k.keyId), requiredComponents: ['@method', '@authority', '@path', '@query', 'x-required'] };
    expect(await verifyRequestSignature(b.view, undefined, strict)).toMatchObject({ valid: false, code: 'SIGNATURE_COVERAGE', reason: 'NOT_COVERED: x-required' });
    // And back: the stricter answer is not kept for the default list either.
    expect((await verifyRequestSignature(b.view, undefined, verifyOptions(k.verify, k.keyId))).valid).toBe(true);
  });

  it('a body without a covered Content-Digest is refused', async () => {
    const k = await keyPair('hmac-sha256');
    const { view } = await signedMessage(k.signer, { method: 'POST', url: 'https://a.example/x' });
    expect(await verifyRequestSignature(view, new TextEncoder().encode('smuggled'), verifyOptions(k.verify, k.keyId))).toMatchObject({ valid: false, code: 'SIGNATURE_COVERAGE' });
  });

  it('duplicate signature labels are rejected, in one header line or across two', async () => {
    const k = await keyPair('hmac-sha256');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    const input = view.headerLines.find(([n]) => n === 'signature-input')![1];
    const sig = view.headerLines.find(([n]) => n === 'signature')![1];
    const doubled: HttpMessageView = { ...view, headerLines: [...view.headerLines, ['signature-input', input], ['signature', sig]] };
    expect(await verifyRequestSignature(doubled, undefined, verifyOptions(k.verify, k.keyId))).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
  });

  it('unknown keyid answers INVALID_CREDENTIAL and never fetches anything', async () => {
    const k = await keyPair('hmac-sha256', 'key_unknown00000000000000001');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    const other = await keyPair('hmac-sha256');
    expect(await verifyRequestSignature(view, undefined, verifyOptions(other.verify, other.keyId))).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
  });

  it('a signed request replayed 50 times concurrently is accepted exactly once', async () => {
    const k = await keyPair('ed25519');
    const { view, body } = await signedMessage(k.signer, { method: 'POST', url: 'https://a.example/pay', body: '{"amount":100}' });
    const opts = verifyOptions(k.verify, k.keyId);
    const results = await Promise.all(Array.from({ length: 50 }, () => verifyRequestSignature(view, body, opts)));
    expect(results.filter((r) => r.valid)).toHaveLength(1);
    expect(results.filter((r) => !r.valid && r.code === 'SIGNATURE_REPLAYED')).toHaveLength(49);
  });

  it('the nonce is remembered only after the signature verifies, and the cache is capped per key', async () => {
    const k = await keyPair('hmac-sha256');
    const { view } = await signedMessage(k.signer, { method: 'GET', url: 'https://a.example/x' });
    const nonces = new MemoryNonceStore({ maxPerKey: 2, now: () => NOW_MS });
    const opts = { ...verifyOptions(k.verify, k.keyId), nonces };
    const forged = withHeader(view, 'signature', 'kw=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:');
    expect((await verifyRequestSignature(forged, undefined, opts)).valid).toBe(false);
    expect((await verifyRequestSignature(view, undefined, opts)).valid).toBe(true); // forged attempt did not burn the nonce
    expect(await nonces.checkAndRemember(k.keyId, 'n-2', NOW_MS + 1000)).toBe('fresh');
    expect(await nonces.checkAndRemember(k.keyId, 'n-3', NOW_MS + 1000)).toBe('over_capacity');
  });
});
