/**
 * Android Key Attestation: the leaf-first chain of a key generated with the challenge as its
 * attestation challenge. Checks, in order: signature algorithms Node can verify; the chain to
 * Google's roots, matched by public key, at nowMs; the status list; the KeyDescription (challenge,
 * security level, root of trust, attestationApplicationId) under the app's policy.
 * See docs/attestation-verifiers.md and https://developer.android.com/privacy-and-security/security-key-attestation.
 */
import { createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock.js';
import { base64url, decodeBase64, fail, parseChain, sha256, spkiOf, verifyChain } from '../chain.js';
import { DerError } from '../der.js';
import type { AttestationPayload, AttestationPolicy, AttestationVerdict, AttestationVerifier } from '../provider.js';
import { KEY_DESCRIPTION_OID, parseKeyDescription, type KeyDescription, type SecurityLevelName } from './key-description.js';
import { RevocationList, type RevocationSource } from './revocation.js';
import { GOOGLE_ATTESTATION_ROOTS_PEM } from './roots.js';

export interface AndroidVerifierOptions {
  /** Trust anchors (PEM certificates; only their public keys are used). Default: Google's (roots.ts). */
  readonly rootsPem?: readonly string[];
  /** Google's status list, as a file or a URL. Without it no revocation check is made (docs/attestation-verifiers.md says why to set it). */
  readonly revocation?: RevocationSource;
  /** Clock for the status list cache (not for verification, which uses the context's nowMs). */
  readonly now?: Clock;
}

type AndroidPayload = Extract<AttestationPayload, { platform: 'android' }>;
type AndroidPolicy = NonNullable<AttestationPolicy['android']>;

const LEVEL_RANK: Readonly<Record<SecurityLevelName, number>> = { SOFTWARE: 0, TRUSTED_ENVIRONMENT: 1, STRONG_BOX: 2 };
const POLICY_RANK: Readonly<Record<AndroidPolicy['minSecurityLevel'], number>> = { software: 0, tee: 1, strongbox: 2 };
const MAX_CERT_BASE64 = 16 * 1024;

export function androidVerifier(options: AndroidVerifierOptions = {}): AttestationVerifier<AndroidPayload> {
  const anchors: KeyObject[] = (options.rootsPem ?? GOOGLE_ATTESTATION_ROOTS_PEM).map((pem) => createPublicKey(pem));
  const revocation = options.revocation && new RevocationList(options.revocation, options.now ?? systemClock);
  return {
    platform: 'android',
    async verify(payload, context) {
      const policy = context.policy.android;
      if (policy === undefined) return fail('ATTESTATION_UNSUPPORTED', 'platform_not_configured');
      if (!Array.isArray(payload.certificateChain)) return fail('ATTESTATION_FAILED', 'malformed_chain');
      const ders = payload.certificateChain.map((c) => decodeBase64(c, MAX_CERT_BASE64));
      if (ders.some((d) => d === undefined)) return fail('ATTESTATION_FAILED', 'malformed_chain');
      const chain = parseChain(ders as Buffer[]);
      if (!Array.isArray(chain)) return chain;
      const chainFailure = verifyChain(chain, anchors, context.nowMs, { checkValidity: false, leafIssuerMayBeEndEntity: true });
      if (chainFailure) return chainFailure;

      if (revocation) {
        const status = await revocation.check(chain.map((c) => c.x509.serialNumber));
        if (!status.available) return fail('ATTESTATION_FAILED', 'revocation_list_unavailable');
        if (status.revoked.length > 0) return fail('ATTESTATION_REVOKED', 'certificate_revoked');
      }

      const leaf = chain[0]!;
      const ext = leaf.parts.extensions.get(KEY_DESCRIPTION_OID);
      if (ext === undefined) return fail('ATTESTATION_FAILED', 'key_description_missing');
      let kd: KeyDescription;
      try {
        kd = parseKeyDescription(ext);
      } catch (err) {
        if (err instanceof DerError) return fail('ATTESTATION_FAILED', `key_description_${err.reason}`);
        throw err;
      }
      return decide(kd, policy, context.challenge, spkiOf(leaf.publicKey));
    },
  };
}

/** The policy decision on a decoded KeyDescription; exported for tests of each rule. */
export function decide(kd: KeyDescription, policy: AndroidPolicy, challenge: Uint8Array, leafSpki: Buffer): AttestationVerdict {
  const attested = Buffer.from(kd.attestationChallenge, 'base64');
  if (attested.length !== challenge.length || !timingSafeEqual(attested, challenge)) return fail('ATTESTATION_FAILED', 'challenge_mismatch');

  // The weaker of the two levels: a software attestation of a TEE key vouches only for software.
  const level = Math.min(LEVEL_RANK[kd.attestationSecurityLevel], LEVEL_RANK[kd.keyMintSecurityLevel]);
  if (level < POLICY_RANK[policy.minSecurityLevel]) return fail('ATTESTATION_INTEGRITY', 'security_level_too_low');

  // Root of trust and application id are read from the list the attesting level enforces.
  const enforced = level > 0 ? kd.hardwareEnforced : kd.softwareEnforced;
  const rot = enforced.rootOfTrust ?? kd.hardwareEnforced.rootOfTrust ?? kd.softwareEnforced.rootOfTrust;
  if ((policy.requireVerifiedBoot || policy.requireLockedBootloader) && rot === undefined) return fail('ATTESTATION_INTEGRITY', 'root_of_trust_missing');
  if (policy.requireVerifiedBoot && rot?.verifiedBootState !== 'VERIFIED') return fail('ATTESTATION_INTEGRITY', 'boot_not_verified');
  if (policy.requireLockedBootloader && rot?.deviceLocked !== true) return fail('ATTESTATION_INTEGRITY', 'bootloader_unlocked');

  // Android puts attestationApplicationId in softwareEnforced (Keystore, not the TEE, knows the caller).
  const app = kd.softwareEnforced.attestationApplicationId ?? kd.hardwareEnforced.attestationApplicationId;
  if (app === undefined) return fail('ATTESTATION_WRONG_APP', 'application_id_missing');
  const pkg = app.packages.find((p) => policy.packageNames.includes(p.name));
  if (pkg === undefined) return fail('ATTESTATION_WRONG_APP', 'package_mismatch');
  const digests = app.signatures.map((s) => Buffer.from(s, 'base64').toString('hex'));
  // Every signer the device reports must be one of the app's: a repackaged app adds or swaps one.
  if (digests.length === 0 || !digests.every((d) => policy.signingCertDigests.includes(d))) return fail('ATTESTATION_WRONG_APP', 'signing_certificate_mismatch');

  return {
    ok: true,
    instance: {
      platform: 'android',
      keyId: base64url(sha256(leafSpki)),
      publicKeySpki: base64url(leafSpki),
      facts: {
        securityLevel: kd.attestationSecurityLevel,
        keyMintSecurityLevel: kd.keyMintSecurityLevel,
        attestationVersion: kd.attestationVersion,
        packageName: pkg.name,
        packageVersion: pkg.version,
        ...(rot ? { verifiedBootState: rot.verifiedBootState, deviceLocked: rot.deviceLocked } : {}),
        ...(typeof enforced.osVersion === 'string' ? { osVersion: enforced.osVersion } : {}),
        ...(typeof enforced.osPatchLevel === 'string' ? { osPatchLevel: enforced.osPatchLevel } : {}),
      },
    },
  };
}
