/**
 * Apple App Attest: attestation (the key's one-time certificate) and assertions (per-request
 * signatures by the attested key), following Apple's "Validating apps that connect to your
 * server" step by step. See docs/attestation-verifiers.md.
 */
import { createPublicKey, timingSafeEqual, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import { CborError, bytesField, decodeCbor, field } from '../cbor.js';
import { base64url, decodeBase64, fail, parseChain, sha256, spkiOf, verifyChain } from '../chain.js';
import { children, DerError, expect, parseDer, TAG } from '../der.js';
import type { AssertionInput, AssertionVerdict, AttestationContext, AttestationPayload, AttestationPolicy, AttestationVerdict, AttestationVerifier } from '../provider.js';
import { parseAuthData } from './auth-data.js';
import { APPLE_APP_ATTESTATION_ROOT_CA_PEM } from './root.js';

/** Apple's nonce extension in the credential certificate. */
export const APPLE_NONCE_OID = '1.2.840.113635.100.8.2';
const AAGUID_DEVELOPMENT = Buffer.from('appattestdevelop', 'ascii');
const AAGUID_PRODUCTION = Buffer.concat([Buffer.from('appattest', 'ascii'), Buffer.alloc(7)]);
const MAX_ATTESTATION_BYTES = 32 * 1024;
const MAX_ASSERTION_BYTES = 4 * 1024;

export interface AppleVerifierOptions {
  /** The App Attestation root, PEM. Default: Apple's (root.ts). */
  readonly rootCaPem?: string;
}

type ApplePayload = Extract<AttestationPayload, { platform: 'apple' }>;
type ApplePolicy = NonNullable<AttestationPolicy['apple']>;

function hasExactly(map: unknown, keys: readonly string[]): boolean {
  if (map === null || typeof map !== 'object') return false;
  const own = Object.keys(map);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(map, k));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bundle id whose RP ID hash (SHA-256 of `teamId.bundleId`) this is, if any. */
function bundleFor(rpIdHash: Uint8Array, policy: ApplePolicy): string | undefined {
  return policy.bundleIds.find((b) => equal(sha256(Buffer.from(`${policy.teamId}.${b}`, 'utf8')), rpIdHash));
}

/** The nonce in extension 1.2.840.113635.100.8.2: SEQUENCE { [1] EXPLICIT OCTET STRING }. */
function certificateNonce(ext: Uint8Array): Uint8Array {
  const seq = children(expect(parseDer(ext), TAG.SEQUENCE, 'nonce_sequence'));
  const tagged = seq.find((t) => t.cls === 2 && t.tag === 1);
  if (tagged === undefined) throw new DerError('nonce_missing');
  const inner = children(tagged);
  return expect(inner[0], TAG.OCTET_STRING, 'nonce').value;
}

/** The uncompressed EC point (0x04 ‖ x ‖ y) of a P-256 key, which App Attest hashes into the key id. */
function rawP256Point(key: KeyObject): Buffer | undefined {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return undefined;
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

export function appleVerifier(options: AppleVerifierOptions = {}): AttestationVerifier<ApplePayload> {
  const root = new X509Certificate(options.rootCaPem ?? APPLE_APP_ATTESTATION_ROOT_CA_PEM);
  return {
    platform: 'apple',
    async verify(payload, context) {
      try {
        return verifyAppleAttestation(payload, context, root);
      } catch (err) {
        if (err instanceof CborError || err instanceof DerError) return fail('ATTESTATION_FAILED', 'malformed_attestation');
        throw err;
      }
    },
  };
}

function verifyAppleAttestation(payload: ApplePayload, context: AttestationContext, root: X509Certificate): AttestationVerdict {
  const policy = context.policy.apple;
  if (policy === undefined) return fail('ATTESTATION_UNSUPPORTED', 'platform_not_configured');
  const bytes = decodeBase64(payload.attestation, MAX_ATTESTATION_BYTES);
  const claimedKeyId = decodeBase64(payload.keyId, 64);
  if (bytes === undefined || claimedKeyId === undefined) return fail('ATTESTATION_FAILED', 'malformed_attestation');
  const obj = decodeCbor(bytes, MAX_ATTESTATION_BYTES);
  if (field(obj, 'fmt') !== 'apple-appattest') return fail('ATTESTATION_UNSUPPORTED', 'unsupported_format');
  const authDataBytes = bytesField(obj, 'authData');
  const attStmt = field(obj, 'attStmt');
  const x5c = field(attStmt, 'x5c');
  // Exactly the members Apple defines: an object with extra or renamed members is not Apple's.
  if (!hasExactly(obj, ['fmt', 'attStmt', 'authData']) || !hasExactly(attStmt, ['x5c', 'receipt']) || bytesField(attStmt, 'receipt') === undefined) {
    return fail('ATTESTATION_FAILED', 'malformed_attestation');
  }
  if (authDataBytes === undefined || !Array.isArray(x5c) || x5c.length < 2 || !x5c.every((c) => c instanceof Uint8Array)) {
    return fail('ATTESTATION_FAILED', 'malformed_attestation');
  }

  // 1. The chain: credential certificate ← intermediate ← Apple App Attestation Root CA, at nowMs.
  const chain = parseChain(x5c as Uint8Array[]);
  if (!Array.isArray(chain)) return chain;
  const chainFailure = verifyChain(chain, [root.publicKey], context.nowMs, { checkValidity: true, leafIssuerMayBeEndEntity: false });
  if (chainFailure) return chainFailure;
  if (!chain[chain.length - 1]!.x509.checkIssued(root)) return fail('ATTESTATION_FAILED', 'chain_untrusted');
  const leaf = chain[0]!;

  // 2–3. nonce = SHA-256(authData ‖ clientDataHash), clientDataHash = SHA-256(challenge), equals the certificate's.
  const ext = leaf.parts.extensions.get(APPLE_NONCE_OID);
  if (ext === undefined) return fail('ATTESTATION_FAILED', 'nonce_missing');
  const nonce = sha256(authDataBytes, sha256(context.challenge));
  if (!equal(certificateNonce(ext), nonce)) return fail('ATTESTATION_FAILED', 'nonce_mismatch');

  // 4. key id = SHA-256 of the credential certificate's raw public key point.
  const point = rawP256Point(leaf.publicKey);
  if (point === undefined) return fail('ATTESTATION_UNSUPPORTED', 'key_type_unsupported');
  const keyId = sha256(point);
  if (!equal(keyId, claimedKeyId)) return fail('ATTESTATION_FAILED', 'key_id_mismatch');

  const authData = parseAuthData(authDataBytes);
  if (authData?.attested === undefined) return fail('ATTESTATION_FAILED', 'malformed_auth_data');
  // 5. RP ID hash = SHA-256(teamId.bundleId) of a configured bundle.
  const bundleId = bundleFor(authData.rpIdHash, policy);
  if (bundleId === undefined) return fail('ATTESTATION_WRONG_APP', 'rp_id_mismatch');
  // 6. A fresh key has signed nothing yet.
  if (authData.counter !== 0) return fail('ATTESTATION_FAILED', 'counter_not_zero');
  // 7. aaguid names the environment the key was made in.
  const expected = policy.appAttestEnvironment === 'production' ? AAGUID_PRODUCTION : AAGUID_DEVELOPMENT;
  const other = policy.appAttestEnvironment === 'production' ? AAGUID_DEVELOPMENT : AAGUID_PRODUCTION;
  if (!equal(authData.attested.aaguid, expected)) {
    return equal(authData.attested.aaguid, other) ? fail('ATTESTATION_WRONG_ENVIRONMENT', 'aaguid_environment_mismatch') : fail('ATTESTATION_FAILED', 'aaguid_unknown');
  }
  // 8. credential id = key id.
  if (!equal(authData.attested.credentialId, keyId)) return fail('ATTESTATION_FAILED', 'credential_id_mismatch');

  return {
    ok: true,
    instance: {
      platform: 'apple',
      keyId: base64url(keyId),
      publicKeySpki: base64url(spkiOf(leaf.publicKey)),
      counter: 0,
      facts: { teamId: policy.teamId, bundleId, appAttestEnvironment: policy.appAttestEnvironment },
    },
  };
}

/** Parsed stored keys, so that an assertion costs one signature check and not a key import too. */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 10_000;

function storedKey(spki: string): KeyObject | undefined {
  let key = keyCache.get(spki);
  if (key !== undefined) return key;
  const der = decodeBase64(spki, 1024);
  if (der === undefined) return undefined;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(spki, key);
  return key;
}

/**
 * An App Attest assertion: CBOR { signature, authenticatorData }. The signature (ECDSA P-256,
 * SHA-256, DER) is over nonce = SHA-256(authenticatorData ‖ SHA-256(clientData)) with the stored
 * key; the RP ID hash is one of the app's; the counter is strictly above the stored one. The flow
 * stores the new counter with a guarded update (compare-and-set on the old value), so two
 * assertions with the same counter cannot both pass.
 */
export function verifyAppleAssertion(input: AssertionInput): AssertionVerdict {
  const policy = input.policy?.apple;
  if (policy === undefined) return { ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'platform_not_configured' };
  const key = storedKey(input.publicKeySpki);
  if (key === undefined) return { ok: false, code: 'ASSERTION_INVALID', reason: 'stored_key_invalid' };
  const bytes = decodeBase64(input.assertion, MAX_ASSERTION_BYTES);
  if (bytes === undefined) return { ok: false, code: 'ASSERTION_INVALID', reason: 'malformed_assertion' };
  let obj: unknown;
  try {
    obj = decodeCbor(bytes, MAX_ASSERTION_BYTES);
  } catch (err) {
    if (err instanceof CborError) return { ok: false, code: 'ASSERTION_INVALID', reason: 'malformed_assertion' };
    throw err;
  }
  const signature = bytesField(obj, 'signature');
  const authDataBytes = bytesField(obj, 'authenticatorData');
  const authData = authDataBytes && parseAuthData(authDataBytes, false);
  if (signature === undefined || authDataBytes === undefined || authData === undefined) return { ok: false, code: 'ASSERTION_INVALID', reason: 'malformed_assertion' };
  const nonce = sha256(authDataBytes, sha256(input.clientData));
  let valid: boolean;
  try {
    valid = verifySignature('sha256', nonce, key, signature);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, code: 'ASSERTION_INVALID', reason: 'signature_invalid' };
  if (bundleFor(authData.rpIdHash, policy) === undefined) return { ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'rp_id_mismatch' };
  if (authData.counter <= input.storedCounter) return { ok: false, code: 'ASSERTION_COUNTER_REPLAYED', reason: 'counter_not_increased' };
  return { ok: true, counter: authData.counter };
}
