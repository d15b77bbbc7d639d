import type { AttestationPayload, AttestationPlatform, AttestationVerifier } from './provider.js';

/**
 * The one place that says which verifier handles which platform. The container builds it from
 * the debug verifier plus whatever platform verifiers are installed (attestation/apple, android,
 * play-integrity, external); a platform without a verifier answers ATTESTATION_UNSUPPORTED.
 */
export type VerifierRegistry = ReadonlyMap<AttestationPlatform, AttestationVerifier>;

/** A verifier for any one platform, with its own payload type. */
export type PlatformVerifier = { [P in AttestationPlatform]: AttestationVerifier<Extract<AttestationPayload, { readonly platform: P }>> }[AttestationPlatform];

export function verifierRegistry(verifiers: readonly PlatformVerifier[]): VerifierRegistry {
  const map = new Map<AttestationPlatform, AttestationVerifier>();
  for (const v of verifiers) {
    if (map.has(v.platform)) throw new TypeError(`two attestation verifiers for platform ${v.platform}`);
    map.set(v.platform, v as unknown as AttestationVerifier<AttestationPayload>);
  }
  return map;
}
