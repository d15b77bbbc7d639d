import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';

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

/** Where verifySignatureBytes copies an HMAC signature for the comparison (synchronous use only). */
const macScratch = Buffer.allocUnsafeSlow(32);

/** Constant-time for HMAC (every candidate secret is checked, no early exit on a match). */
export function verifySignatureBytes(key: VerificationKey, base: string, signature: Uint8Array): boolean {
  switch (key.alg) {
    case 'hmac-sha256': {
      if (signature.length !== 32) return false;
      // The parsed signature is a small on-heap Uint8Array; handed to native code as it is, V8 first
      // moves it off the heap (a malloc and a sweep per request). One off-heap copy, reused.
      macScratch.set(signature);
      let ok = false;
      for (const secret of key.secrets) {
        const mac = createHmac('sha256', secretKeyObject(secret)).update(base, 'utf8').digest();
        ok = timingSafeEqual(mac, macScratch) || ok;
      }
      return ok;
    }
  }
  const data = Buffer.from(base, 'utf8');
  switch (key.alg) {
    case 'ed25519':
      return key.publicKey.asymmetricKeyType === 'ed25519' && cryptoVerify(null, data, key.publicKey, signature);
    case 'ecdsa-p256-sha256':
      return (
        key.publicKey.asymmetricKeyType === 'ec' &&
        key.publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
        signature.length === 64 &&
        cryptoVerify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'rsa-pss-sha512':
      return cryptoVerify('sha512', data, { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature);
    case 'rsa-v1_5-sha256':
      return cryptoVerify('sha256', data, { key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  }
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
