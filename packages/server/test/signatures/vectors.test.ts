import { createHmac, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSignatureInput, signatureBase, type HttpMessageView } from '@keyward/protocol';
import type { SignatureAlgorithm, VerificationKey } from '../../src/signatures/algorithms.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';
import { verifyRequestSignature } from '../../src/signatures/verify.js';
import { parseHttpMessage, readVector } from '../../../../test/vectors.js';

/** RFC 9421 Appendix B.1 keys, read from test-data/vectors/rfc9421 (see SOURCES.md there). */
function pem(name: string): string {
  const text = readVector('rfc9421', name);
  // test-key-rsa-pss.key has its base64 on one line separated by spaces; PEM wants newlines.
  return text.replace(/(-----BEGIN [A-Z ]+-----)([\s\S]*?)(-----END [A-Z ]+-----)/, (_m, a: string, body: string, b: string) => `${a}\n${body.replace(/\s+/g, '\n').trim()}\n${b}\n`);
}
const keys: Record<string, { alg: SignatureAlgorithm; verify: VerificationKey; private?: KeyObject }> = {
  'test-key-rsa-pss': { alg: 'rsa-pss-sha512', verify: { alg: 'rsa-pss-sha512', publicKey: createPublicKey(pem('test-key-rsa-pss.pub')) } },
  'test-key-ecc-p256': { alg: 'ecdsa-p256-sha256', verify: { alg: 'ecdsa-p256-sha256', publicKey: createPublicKey(pem('test-key-ecc-p256.pub')) } },
  'test-key-ed25519': { alg: 'ed25519', verify: { alg: 'ed25519', publicKey: createPublicKey(pem('test-key-ed25519.pub')) }, private: createPrivateKey(pem('test-key-ed25519.key')) },
  'test-shared-secret': { alg: 'hmac-sha256', verify: { alg: 'hmac-sha256', secrets: [Buffer.from(readVector('rfc9421', 'test-shared-secret').trim(), 'base64')] } },
};

const CREATED = 1618884473;
const REQUEST_VECTORS = ['b21', 'b22', 'b23', 'b25', 'b26'] as const;

function load(name: string) {
  const msg = parseHttpMessage(readVector('rfc9421', `${name}_request_signed.txt`));
  const [method, rawTarget] = msg.startLine.split(' ') as [string, string];
  const view: HttpMessageView = { method, scheme: 'https', authority: msg.headerLines.find(([n]) => n.toLowerCase() === 'host')![1], rawTarget, headerLines: msg.headerLines };
  return { view, body: new TextEncoder().encode(msg.body), expectedBase: readVector('rfc9421', `${name}_request_sigbase.txt`) };
}

function options(now = CREATED * 1000) {
  return {
    resolveKey: async (keyId: string) => (keys[keyId] ? { ...keys[keyId]!.verify, keyId, owner: keyId } : undefined),
    nonces: new MemoryNonceStore({ maxPerKey: 100, now: () => now }),
    now: () => now,
    // The RFC's vectors cover what each example covers, and none carries a nonce.
    requiredComponents: [] as string[],
    requireNonce: false,
  };
}

describe('RFC 9421 Appendix B vectors (test-data/vectors/rfc9421)', () => {
  it.each(REQUEST_VECTORS)('%s: the signature base matches byte for byte', (name) => {
    const { view, expectedBase } = load(name);
    const input = parseSignatureInput(view.headerLines.find(([n]) => n === 'Signature-Input')![1])[0]!;
    expect(signatureBase(view, input)).toBe(expectedBase);
  });

  it.each(REQUEST_VECTORS)('%s: the published signature verifies', async (name) => {
    const { view, body } = load(name);
    const result = await verifyRequestSignature(view, name === 'b21' || name === 'b25' || name === 'b26' ? undefined : body, options());
    expect(result).toMatchObject({ valid: true, code: 'VALID' });
  });

  it('B.2.5 HMAC and B.2.6 Ed25519 are reproduced byte for byte', () => {
    const hmac = load('b25');
    const mac = createHmac('sha256', (keys['test-shared-secret']!.verify as unknown as { secrets: Buffer[] }).secrets[0]!).update(hmac.expectedBase).digest('base64');
    expect(hmac.view.headerLines.find(([n]) => n === 'Signature')![1]).toBe(`sig-b25=:${mac}:`);
    const ed = load('b26');
    const sig = cryptoSign(null, Buffer.from(ed.expectedBase), keys['test-key-ed25519']!.private!).toString('base64');
    expect(ed.view.headerLines.find(([n]) => n === 'Signature')![1]).toBe(`sig-b26=:${sig}:`);
  });

  const tamper: [string, (v: HttpMessageView) => HttpMessageView][] = [
    ['method', (v) => ({ ...v, method: 'PUT' })],
    ['path', (v) => ({ ...v, rawTarget: v.rawTarget.replace('/foo', '/bar') })],
    ['query', (v) => ({ ...v, rawTarget: v.rawTarget.replace('Pet=dog', 'Pet=cat') })],
    ['authority', (v) => ({ ...v, authority: 'evil.example' })],
    ['covered header', (v) => ({ ...v, headerLines: v.headerLines.map(([n, val]) => [n, n === 'Date' ? 'Wed, 21 Apr 2021 02:07:55 GMT' : n === 'Content-Type' ? 'text/plain' : val] as [string, string]) })],
    ['signature bytes', (v) => ({ ...v, headerLines: v.headerLines.map(([n, val]) => [n, n === 'Signature' ? val.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`) : val] as [string, string]) })],
    ['signature params', (v) => ({ ...v, headerLines: v.headerLines.map(([n, val]) => [n, n === 'Signature-Input' ? val.replace('created=1618884473', 'created=1618884474') : val] as [string, string]) })],
    ['keyid', (v) => ({ ...v, headerLines: v.headerLines.map(([n, val]) => [n, n === 'Signature-Input' ? val.replace(/keyid="[^"]+"/, 'keyid="test-key-ecc-p256"') : val] as [string, string]) })],
  ];
  for (const name of REQUEST_VECTORS) {
    it.each(tamper)(`${name}: a tampered %s is rejected`, async (what, mutate) => {
      const { view, body } = load(name);
      const mutated = mutate(view);
      const coversDigest = name === 'b22' || name === 'b23';
      const result = await verifyRequestSignature(mutated, coversDigest ? body : undefined, options());
      // Some vectors do not cover every part (B.2.1 covers nothing): those changes are allowed by design.
      const covers = readVector('rfc9421', `${name}_request_sigbase.txt`);
      const coveredHere =
        what === 'signature bytes' || what === 'signature params' || what === 'keyid' ||
        (what === 'method' && covers.includes('"@method"')) ||
        (what === 'path' && covers.includes('"@path"')) ||
        (what === 'query' && (covers.includes('"@query"') || covers.includes('"@query-param"'))) ||
        (what === 'authority' && covers.includes('"@authority"')) ||
        (what === 'covered header' && (covers.includes('"date"') || covers.includes('"content-type"')));
      if (coveredHere) expect(result.valid).toBe(false);
      else expect(result.valid).toBe(true);
    });
  }

  it('a body that does not match the covered Content-Digest is rejected', async () => {
    const { view } = load('b22');
    const result = await verifyRequestSignature(view, new TextEncoder().encode('{"hello": "mallory"}'), options());
    expect(result).toMatchObject({ valid: false, code: 'DIGEST_MISMATCH' });
  });
});
