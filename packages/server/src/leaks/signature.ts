import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * GitHub secret scanning partner reports are signed: `Github-Public-Key-Identifier` names one of
 * GitHub's published keys (`GET https://api.github.com/meta/public_keys/secret_scanning`), and
 * `Github-Public-Key-Signature` is base64 of an ASN.1 DER ECDSA P-256 / SHA-256 signature over the
 * raw body bytes. This module is pure: the route hands it the unparsed body, so nothing of a
 * report is read before its signature is known good.
 */
export interface LeakPublicKey {
  readonly keyIdentifier: string;
  readonly key: KeyObject;
  readonly isCurrent: boolean;
}

/** Why a report was refused; each is answered with its own catalogue code (route leaks.ts). */
export type LeakSignatureRefusal = 'unsigned' | 'unknown_key' | 'bad_signature';

export type LeakSignatureResult = { readonly ok: true; readonly keyIdentifier: string } | { readonly ok: false; readonly refusal: LeakSignatureRefusal };

/** Largest accepted value of either header: a key id is 64 hex characters, a P-256 DER signature ≤ 72 bytes. */
const MAX_HEADER_CHARS = 256;
const B64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses GitHub's key document `{public_keys:[{key_identifier, key, is_current}]}` (`key` a PEM
 * SPKI public key). Throws a TypeError naming the entry at fault: it is the operator's file.
 * Only P-256 keys are accepted, since that is the algorithm the signature claims.
 */
export function parseLeakPublicKeys(json: unknown): LeakPublicKey[] {
  const list = (json as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list)) throw new TypeError('expected {"public_keys": [...]}');
  return list.map((entry: unknown, i) => {
    const e = entry as { key_identifier?: unknown; key?: unknown; is_current?: unknown };
    if (typeof e?.key_identifier !== 'string' || e.key_identifier.length === 0 || e.key_identifier.length > MAX_HEADER_CHARS) throw new TypeError(`public_keys[${i}].key_identifier: a non-empty string`);
    if (typeof e.key !== 'string') throw new TypeError(`public_keys[${i}].key: a PEM public key`);
    let key: KeyObject;
    try {
      key = createPublicKey(e.key);
    } catch {
      throw new TypeError(`public_keys[${i}].key: not a PEM public key`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new TypeError(`public_keys[${i}].key: must be an ECDSA P-256 key`);
    return { keyIdentifier: e.key_identifier, key, isCurrent: e.is_current === true };
  });
}

/**
 * Checks the two headers against the raw body. Keys that are no longer `is_current` still verify:
 * GitHub rotates keys and reports signed just before a rotation arrive just after it.
 */
export function verifyLeakSignature(
  body: Uint8Array,
  headers: { readonly keyIdentifier: string | undefined; readonly signature: string | undefined },
  keys: readonly LeakPublicKey[],
): LeakSignatureResult {
  const { keyIdentifier, signature } = headers;
  if (!keyIdentifier || !signature || keyIdentifier.length > MAX_HEADER_CHARS || signature.length > MAX_HEADER_CHARS) return { ok: false, refusal: 'unsigned' };
  const key = keys.find((k) => k.keyIdentifier === keyIdentifier);
  if (!key) return { ok: false, refusal: 'unknown_key' };
  if (!B64_RE.test(signature)) return { ok: false, refusal: 'bad_signature' };
  let good = false;
  try {
    good = verify('sha256', body, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    good = false;
  }
  return good ? { ok: true, keyIdentifier } : { ok: false, refusal: 'bad_signature' };
}
