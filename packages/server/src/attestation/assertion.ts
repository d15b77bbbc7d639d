import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { AssertionInput, AssertionVerdict, AttestationPlatform } from './provider.js';

/**
 * The per-request assertion: proof by the attested key that this instance made this request.
 *
 * Wire form: header `Keyward-Assertion`, one value per request. What the value holds depends on
 * the instance's platform (an Apple instance sends its CBOR assertion object, base64url); every
 * other platform with an attested key uses the generic form `<counter>.<signature>`: a decimal
 * counter (1 to 2^53−1) and a base64url ECDSA P-256 SHA-256 signature (DER, as Android Keystore,
 * Java and WebCrypto-with-conversion produce) over `clientData ‖ "\n" ‖ counter`.
 *
 * `clientData` is built by Keyward from the request, never sent: see `assertionClientData`
 * (@keyward/protocol, shared with the SDK).
 * Binding the app token's `jti` means an assertion cannot be replayed with another token; the
 * counter (stored, compare-and-set) means it cannot be replayed at all.
 */
export { ASSERTION_HEADER, assertionClientData, type AssertedRequest } from '@keyward/protocol';

const COUNTER_RE = /^[1-9][0-9]{0,15}$/;
const B64URL_RE = /^[A-Za-z0-9_-]{16,200}$/;

/** Verifies the generic form; pure. Counter freshness against the store is the caller's next, atomic step. */
export function verifyGenericAssertion(input: AssertionInput): AssertionVerdict {
  const dot = input.assertion.indexOf('.');
  const counterText = dot > 0 ? input.assertion.slice(0, dot) : '';
  const sig = dot > 0 ? input.assertion.slice(dot + 1) : '';
  if (!COUNTER_RE.test(counterText) || !B64URL_RE.test(sig)) return { ok: false, code: 'ASSERTION_INVALID', reason: 'malformed' };
  const counter = Number(counterText);
  if (!Number.isSafeInteger(counter)) return { ok: false, code: 'ASSERTION_INVALID', reason: 'counter_range' };
  let ok: boolean;
  try {
    const key = createPublicKey({ key: Buffer.from(input.publicKeySpki, 'base64url'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return { ok: false, code: 'ASSERTION_INVALID', reason: 'key_not_p256' };
    const message = Buffer.concat([input.clientData, Buffer.from(`\n${counterText}`)]);
    ok = cryptoVerify('sha256', message, { key, dsaEncoding: 'der' }, Buffer.from(sig, 'base64url'));
  } catch {
    return { ok: false, code: 'ASSERTION_INVALID', reason: 'bad_signature_encoding' };
  }
  if (!ok) return { ok: false, code: 'ASSERTION_INVALID', reason: 'signature' };
  // Checked after the signature so an unauthenticated sender learns nothing about the stored counter.
  if (counter <= input.storedCounter) return { ok: false, code: 'ASSERTION_COUNTER_REPLAYED', reason: 'counter_not_increased' };
  return { ok: true, counter };
}

/** A platform's assertion check (Apple's comes from attestation/apple when it lands). */
export type AssertionCheck = (input: AssertionInput) => AssertionVerdict | Promise<AssertionVerdict>;

/** Which check each platform's instances use: the generic form unless a platform registers its own. */
export function assertionChecks(overrides: ReadonlyMap<AttestationPlatform, AssertionCheck> = new Map()): (platform: AttestationPlatform) => AssertionCheck {
  return (platform) => overrides.get(platform) ?? verifyGenericAssertion;
}
