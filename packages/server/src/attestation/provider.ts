/**
 * The seam between the platform verifiers (attestation/apple, attestation/android,
 * attestation/play-integrity, attestation/external, attestation/debug) and the attestation flow
 * (challenges, app instances, app tokens, assertions: attestation/flow…).
 *
 * Why a seam: each verifier is a pure function of its input, the app's policy and an injected
 * clock, tested against other people's data; the flow owns state (single-use challenges, the
 * instance registry, assertion counters) and knows nothing of CBOR, ASN.1 or JWE. A verifier that
 * says "no" returns a value with a catalogue code, never throws for bad input.
 */
import type { VerifyCode } from '@keyward/protocol';

export type AttestationPlatform = 'apple' | 'android' | 'play_integrity' | 'external' | 'debug';

/** What the app sent, per platform. Binary fields are base64url without padding (standard base64 accepted). */
export type AttestationPayload =
  /** Apple App Attest: `keyId` from generateKey, `attestation` the CBOR attestation object; clientDataHash = SHA-256(challenge). */
  | { readonly platform: 'apple'; readonly keyId: string; readonly attestation: string }
  /** Android Key Attestation: the leaf-first certificate chain (DER, base64) of a key generated with the challenge as attestation challenge. */
  | { readonly platform: 'android'; readonly certificateChain: readonly string[] }
  /** Play Integrity classic request: the encrypted token; its nonce must be the challenge (base64url). */
  | { readonly platform: 'play_integrity'; readonly token: string }
  /** A token from an external attestation service (Firebase App Check, …) configured for the app. */
  | { readonly platform: 'external'; readonly provider: string; readonly token: string }
  /** A named debug token (test environment only). */
  | { readonly platform: 'debug'; readonly token: string };

/** The app's attestation settings the verifiers read (configured per app, per environment). */
export interface AttestationPolicy {
  readonly environment: 'live' | 'test';
  readonly apple?: {
    readonly teamId: string;
    readonly bundleIds: readonly string[];
    /** `development` expects aaguid "appattestdevelop", `production` expects "appattest" + 7 zero bytes. */
    readonly appAttestEnvironment: 'development' | 'production';
  };
  readonly android?: {
    readonly packageNames: readonly string[];
    /** SHA-256 of the app signing certificates, hex, lower case. */
    readonly signingCertDigests: readonly string[];
    readonly minSecurityLevel: 'software' | 'tee' | 'strongbox';
    readonly requireLockedBootloader: boolean;
    readonly requireVerifiedBoot: boolean;
  };
  readonly playIntegrity?: {
    readonly packageNames: readonly string[];
    /** base64 of the 32-byte AES key (decryption key) and the SPKI of the EC P-256 verification key, from Play Console. */
    readonly decryptionKey: string;
    readonly verificationKey: string;
    readonly requireAppRecognized: boolean;
    /** The lowest device integrity label accepted, e.g. MEETS_DEVICE_INTEGRITY. */
    readonly minDeviceIntegrity: 'MEETS_BASIC_INTEGRITY' | 'MEETS_DEVICE_INTEGRITY' | 'MEETS_STRONG_INTEGRITY';
  };
  readonly external?: readonly { readonly name: string; readonly issuer: string; readonly audience: string; readonly jwksUrl: string }[];
}

/** A verified app instance, ready to be registered. */
export interface AttestedInstance {
  readonly platform: AttestationPlatform;
  /** Stable id of the attested key (Apple key id, SHA-256 of the Android leaf SPKI, …), base64url. */
  readonly keyId: string;
  /** SPKI DER (base64url) of the attested public key, when the platform attests one (Apple, Android); used for assertions. */
  readonly publicKeySpki?: string;
  /** Apple: the counter in the attestation (0); assertions must rise above it. */
  readonly counter?: number;
  /** Platform facts for the registry and the audit log (never secrets): security level, boot state, package, verdicts, … */
  readonly facts: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

export type AttestationFailureCode = Extract<
  VerifyCode,
  | 'ATTESTATION_FAILED'
  | 'ATTESTATION_CHALLENGE_INVALID'
  | 'ATTESTATION_WRONG_APP'
  | 'ATTESTATION_WRONG_ENVIRONMENT'
  | 'ATTESTATION_UNSUPPORTED'
  | 'ATTESTATION_CLOCK_SKEW'
  | 'ATTESTATION_REVOKED'
  | 'ATTESTATION_INTEGRITY'
  | 'DEBUG_TOKEN_NOT_ALLOWED'
>;

export type AttestationVerdict =
  | { readonly ok: true; readonly instance: AttestedInstance }
  /** `reason` is a short machine-readable detail (e.g. `nonce_mismatch`, `chain_untrusted`), safe to log and to show. */
  | { readonly ok: false; readonly code: AttestationFailureCode; readonly reason: string };

export interface AttestationContext {
  /** The raw challenge bytes the flow issued (already checked single-use by the flow). */
  readonly challenge: Uint8Array;
  readonly policy: AttestationPolicy;
  /** Injectable clock, ms since the epoch (certificate validity, token expiry). */
  readonly nowMs: number;
}

/** One per platform. Pure apart from cached downloads (revocation list, external JWKS). */
export interface AttestationVerifier<P extends AttestationPayload = AttestationPayload> {
  readonly platform: P['platform'];
  verify(payload: P, context: AttestationContext): Promise<AttestationVerdict>;
}

/** Apple assertion / generic per-request assertion check, implemented by the platform modules. */
export interface AssertionInput {
  /** The stored instance. */
  readonly publicKeySpki: string;
  readonly storedCounter: number;
  /** What the app sent (Apple: CBOR assertion object; generic: ECDSA P-256 signature + counter). */
  readonly assertion: string;
  /** The bytes the assertion signs over (the request's signature base or clientData). */
  readonly clientData: Uint8Array;
  /** The app's policy (Apple: the RP ID hash must be one of `apple.teamId`.`bundleIds`; without it the assertion is refused). */
  readonly policy?: AttestationPolicy;
}

export type AssertionVerdict =
  | { readonly ok: true; readonly counter: number }
  | { readonly ok: false; readonly code: Extract<VerifyCode, 'ASSERTION_INVALID' | 'ASSERTION_COUNTER_REPLAYED' | 'ATTESTATION_WRONG_APP'>; readonly reason: string };
