import { createHmac, createPublicKey, createSecretKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { base64Decode } from '@keyward/protocol';

/**
 * The algorithms Keyward verifies (RFC 9421 §3.3). The algorithm always comes from the key's
 * registration, never from the message (§7.3.6: "alg" is at most a consistency check).
 */
export type SignatureAlgorithm = 'hmac-sha256' | 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-pss-sha512' | 'rsa-v1_5-sha256';

export type VerificationKey =
  | { readonly alg: 'hmac-sha256'; readonly secrets: readonly Uint8Array[] }
  | { readonly alg: Exclude<SignatureAlgorithm, 'hmac-sha256'>; readonly publicKey: KeyObject };

/**
 * HMAC secrets as KeyObjects, made once per opened secret: `createHmac` with a KeyObject skips
 * copying and preparing the key bytes on every verification. Weak, so a secret dropped from the
 * resolver's cache (revoked, rotated out) is not kept alive here.
 */
const secretKeys = new WeakMap<Uint8Array, KeyObject>();
function secretKeyObject(secret: Uint8Array): KeyObject {
  let ko = secretKeys.get(secret);
  if (!ko) secretKeys.set(secret, (ko = createSecretKey(secret)));
  return ko;
}

/**
 * Whether `signature` (the canonical base64 text from the Signature field) signs `base` with the
 * key. Constant-time for HMAC: every candidate secret is checked, with no early exit on a match,
 * and each comparison reads every character. An HMAC is compared as base64 text: canonical base64
 * has one spelling per byte string, so equal texts are equal MACs, and the MAC never becomes a
 * buffer (a buffer per request cost more than the HMAC itself under load).
 */
export function verifySignature(key: VerificationKey, base: string, signature: string): boolean {
  switch (key.alg) {
    case 'hmac-sha256': {
      if (signature.length !== 44) return false; // 32 bytes
      let ok = false;
      for (const secret of key.secrets) {
        const mac = createHmac('sha256', secretKeyObject(secret)).update(base, 'utf8').digest('base64');
        ok = sameText(mac, signature) || ok;
      }
      return ok;
    }
  }
  const data = Buffer.from(base, 'utf8');
  const bytes = base64Decode(signature);
  switch (key.alg) {
    case 'ed25519':
      return key.publicKey.asymmetricKeyType === 'ed25519' && cryptoVerify(null, data, key.publicKey, bytes);
    case 'ecdsa-p256-sha256':
      return (
        key.publicKey.asymmetricKeyType === 'ec' &&
        key.publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
        bytes.length === 64 &&
        cryptoVerify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, bytes)
      );
    case 'rsa-pss-sha512':
      return cryptoVerify('sha512', data, { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, bytes);
    case 'rsa-v1_5-sha256':
      return cryptoVerify('sha256', data, { key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, bytes);
  }
}

/** Equal texts of one (public) length, in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Imports a public JWK for a device key: only Ed25519 (OKP) and P-256 (EC), public members only. */
export function publicKeyFromJwk(jwk: Record<string, unknown>): { alg: 'ed25519' | 'ecdsa-p256-sha256'; publicKey: KeyObject } {
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'k' in jwk) throw new TypeError('the JWK has private members; send the public key only');
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { alg: 'ed25519', publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }) };
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { alg: 'ecdsa-p256-sha256', publicKey: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' }) };
  }
  throw new TypeError('only Ed25519 (OKP) and P-256 (EC) public keys are accepted');
}
