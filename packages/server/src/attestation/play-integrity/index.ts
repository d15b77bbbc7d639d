/**
 * Play Integrity, classic requests, decrypted and verified locally
 * (https://developer.android.com/google/play/integrity/classic#decrypt-verify): the token is a
 * JWE (compact, alg A256KW, enc A256GCM) under the app's decryption key, around a JWS (ES256)
 * under the app's verification key, both downloaded from Play Console and configured per app.
 *
 * Standard requests (requestHash, token decoded by Google's decodeIntegrityToken API) need
 * Google's server and are out of scope; a requestHash equal to the challenge is accepted only
 * where an operator's relay decrypts standard tokens into the same JWE form (docs/attestation-verifiers.md).
 */
import { createPublicKey, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { compactDecrypt, compactVerify } from 'jose';
import { base64url, fail, sha256 } from '../chain.js';
import type { AttestationPayload, AttestationPolicy, AttestationVerdict, AttestationVerifier } from '../provider.js';

export interface PlayIntegrityVerifierOptions {
  /** Oldest token accepted, by `requestDetails.timestampMillis`, ms. Default 5 min. */
  readonly maxTokenAgeMs?: number;
  /** How far in the future a token's timestamp may be (device and server clocks differ), ms. Default 1 min. */
  readonly maxClockSkewMs?: number;
}

type PlayPayload = Extract<AttestationPayload, { platform: 'play_integrity' }>;
type PlayPolicy = NonNullable<AttestationPolicy['playIntegrity']>;

/** Longest token read; real ones are 1–3 KB. */
export const MAX_PLAY_TOKEN_LENGTH = 16 * 1024;
const DEVICE_LEVELS = ['MEETS_BASIC_INTEGRITY', 'MEETS_DEVICE_INTEGRITY', 'MEETS_STRONG_INTEGRITY'] as const;

interface Keys {
  readonly decryption: KeyObject;
  readonly verification: KeyObject;
}

/** Keys parsed once per configured pair (policies are read per request; parsing is not free). */
const keyCache = new Map<string, Keys | undefined>();

function keysOf(policy: PlayPolicy): Keys | undefined {
  const id = `${policy.decryptionKey}\u0000${policy.verificationKey}`;
  if (keyCache.has(id)) return keyCache.get(id);
  let keys: Keys | undefined;
  try {
    const aes = Buffer.from(policy.decryptionKey, 'base64');
    const verification = createPublicKey({ key: Buffer.from(policy.verificationKey, 'base64'), format: 'der', type: 'spki' });
    if (aes.length === 32 && verification.asymmetricKeyType === 'ec' && verification.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
      keys = { decryption: createSecretKey(aes), verification };
    }
  } catch {
    keys = undefined;
  }
  if (keyCache.size >= 1000) keyCache.clear();
  keyCache.set(id, keys);
  return keys;
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strip = (s: string): string => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function playIntegrityVerifier(options: PlayIntegrityVerifierOptions = {}): AttestationVerifier<PlayPayload> {
  const maxAge = options.maxTokenAgeMs ?? 300_000;
  const maxSkew = options.maxClockSkewMs ?? 60_000;
  return {
    platform: 'play_integrity',
    async verify(payload, context): Promise<AttestationVerdict> {
      const policy = context.policy.playIntegrity;
      if (policy === undefined) return fail('ATTESTATION_UNSUPPORTED', 'platform_not_configured');
      const keys = keysOf(policy);
      if (keys === undefined) return fail('ATTESTATION_UNSUPPORTED', 'keys_misconfigured');
      const token = payload.token;
      if (typeof token !== 'string' || token.length > MAX_PLAY_TOKEN_LENGTH || token.split('.').length !== 5) return fail('ATTESTATION_FAILED', 'malformed_token');

      let jws: string;
      try {
        const { plaintext } = await compactDecrypt(token, keys.decryption, { keyManagementAlgorithms: ['A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
        jws = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
      } catch {
        return fail('ATTESTATION_FAILED', 'decryption_failed');
      }
      let claims: Record<string, unknown>;
      try {
        const { payload: body } = await compactVerify(jws, keys.verification, { algorithms: ['ES256'] });
        claims = obj(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)));
      } catch {
        return fail('ATTESTATION_FAILED', 'signature_invalid');
      }
      return decide(claims, policy, context.challenge, context.nowMs, maxAge, maxSkew);
    },
  };
}

/** The policy decision on a verified payload. */
function decide(claims: Record<string, unknown>, policy: PlayPolicy, challenge: Uint8Array, nowMs: number, maxAge: number, maxSkew: number): AttestationVerdict {
  const request = obj(claims.requestDetails);
  const app = obj(claims.appIntegrity);
  const device = obj(claims.deviceIntegrity);
  const expected = base64url(challenge);
  const nonce = typeof request.nonce === 'string' ? request.nonce : typeof request.requestHash === 'string' ? request.requestHash : undefined;
  if (nonce === undefined || !sameText(strip(nonce), expected)) return fail('ATTESTATION_FAILED', 'nonce_mismatch');

  const ts = Number(request.timestampMillis);
  if (!Number.isFinite(ts)) return fail('ATTESTATION_FAILED', 'timestamp_missing');
  if (ts > nowMs + maxSkew || nowMs - ts > maxAge) return fail('ATTESTATION_CLOCK_SKEW', 'token_not_fresh');

  const pkg = request.requestPackageName;
  if (typeof pkg !== 'string' || !policy.packageNames.includes(pkg)) return fail('ATTESTATION_WRONG_APP', 'package_mismatch');
  if (app.packageName !== undefined && app.packageName !== pkg) return fail('ATTESTATION_WRONG_APP', 'package_mismatch');
  const recognition = typeof app.appRecognitionVerdict === 'string' ? app.appRecognitionVerdict : 'UNEVALUATED';
  if (policy.requireAppRecognized && recognition !== 'PLAY_RECOGNIZED') return fail('ATTESTATION_INTEGRITY', 'app_not_recognized');

  const labels = Array.isArray(device.deviceRecognitionVerdict) ? device.deviceRecognitionVerdict.filter((l): l is string => typeof l === 'string') : [];
  const best = Math.max(-1, ...labels.map((l) => DEVICE_LEVELS.indexOf(l as (typeof DEVICE_LEVELS)[number])));
  if (best < DEVICE_LEVELS.indexOf(policy.minDeviceIntegrity)) return fail('ATTESTATION_INTEGRITY', 'device_integrity_too_low');

  const licensing = obj(claims.accountDetails).appLicensingVerdict;
  return {
    ok: true,
    instance: {
      platform: 'play_integrity',
      // No key is attested; the id names this attestation (its challenge), not a device.
      keyId: base64url(sha256(challenge)),
      facts: {
        packageName: pkg,
        appRecognitionVerdict: recognition,
        deviceRecognitionVerdict: labels,
        ...(typeof app.versionCode === 'string' || typeof app.versionCode === 'number' ? { versionCode: String(app.versionCode) } : {}),
        ...(typeof licensing === 'string' ? { appLicensingVerdict: licensing } : {}),
      },
    },
  };
}
