import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fromRawHeaders, type HttpMessageView } from '@keyward/protocol';
import { createSigner, type ClientAlgorithm } from '../../../client/src/signer.js';
import type { VerificationKey } from '../../src/signatures/algorithms.js';
import { MemoryNonceStore } from '../../src/signatures/nonce-store.js';

export const NOW_MS = Date.UTC(2026, 5, 1, 12);

/** A client-side signer and the matching server-side key, for one algorithm. */
export async function keyPair(alg: ClientAlgorithm, keyId = 'key_test0000000000000000001') {
  if (alg === 'hmac-sha256') {
    const secret = 'kw_hk_live_0123456789abcdefghijABCDEFGHIJ012345';
    return { signer: createSigner({ keyId, alg, key: secret }), verify: { alg, secrets: [new TextEncoder().encode(secret)] } as VerificationKey, keyId };
  }
  const subtle = globalThis.crypto.subtle;
  const pair = (alg === 'ed25519' ? await subtle.generateKey({ name: 'Ed25519' } as AlgorithmIdentifier, true, ['sign', 'verify']) : await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const { createPublicKey } = await import('node:crypto');
  const jwk = await subtle.exportKey('jwk', pair.publicKey);
  const publicKey: KeyObject = createPublicKey({ key: jwk as never, format: 'jwk' });
  return { signer: createSigner({ keyId, alg, key: pair.privateKey }), verify: { alg, publicKey } as VerificationKey, keyId };
}

/** Signs a request with the SDK signer and returns the message exactly as a server would see it. */
export async function signedMessage(
  signer: Awaited<ReturnType<typeof keyPair>>['signer'],
  req: { method: string; url: string; headers?: Record<string, string>; body?: string },
  nowMs = NOW_MS,
): Promise<{ view: HttpMessageView; body: Uint8Array | undefined }> {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  const body = req.body !== undefined ? new TextEncoder().encode(req.body) : undefined;
  const added = await signer.sign({ method: req.method, url, headers, ...(body ? { body } : {}) }, Math.floor(nowMs / 1000));
  const raw: string[] = ['Host', url.host];
  headers.forEach((v, n) => raw.push(n, v));
  for (const [n, v] of Object.entries(added)) raw.push(n, v);
  return { view: fromRawHeaders(req.method, url.protocol.replace(':', ''), url.pathname + url.search, raw), body };
}

export function verifyOptions(key: VerificationKey, keyId: string, nowMs = NOW_MS) {
  return {
    resolveKey: async (id: string) => (id === keyId ? { ...key, keyId, owner: 'owner' } : undefined),
    nonces: new MemoryNonceStore({ maxPerKey: 1000, now: () => nowMs }),
    now: () => nowMs,
  };
}

export function rsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
}
