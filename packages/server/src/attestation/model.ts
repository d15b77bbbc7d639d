import type { Environment } from '../keys/model.js';
import type { AttestationPlatform, AttestationPolicy } from './provider.js';

/**
 * One attested install of an app: the key the platform vouched for, and what it said about the
 * device. App tokens name it (`kw_instance`); assertions are checked against its public key and
 * counter. Revoking it makes every app token it holds fail with REATTESTATION_REQUIRED.
 */
export interface AppInstance {
  readonly id: string;
  readonly appId: string;
  readonly environment: Environment;
  readonly platform: AttestationPlatform;
  /** The platform's id of the attested key (base64url); one active instance per app, environment and key id. */
  readonly keyId: string;
  /** SPKI DER, base64url; null for platforms that attest no key (Play Integrity, external, debug): no assertions then. */
  readonly publicKeySpki: string | null;
  /** The highest assertion counter accepted so far; the next assertion must exceed it. */
  readonly counter: number;
  readonly facts: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  readonly createdAtMs: number;
  readonly lastSeenAtMs: number;
  readonly status: 'active' | 'revoked';
  readonly revokedAtMs: number | null;
}

/** A named debug token (test environment only). The plaintext is shown once; only its SHA-256 is kept. */
export interface DebugToken {
  readonly id: string;
  readonly appId: string;
  readonly name: string;
  /** SHA-256 hex of the token. */
  readonly tokenHash: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
}

/** At most this many live (unrevoked) debug tokens per app: a debug token is a skeleton key to the test environment. */
export const DEBUG_TOKEN_CAP = 10;

/**
 * An app's attestation settings for one environment, set by operators (`PUT /v1/attestation/config`).
 * Kept apart from the app settings because it holds platform policy and, for Play Integrity, key
 * material the verifiers need.
 */
export interface AttestationConfig {
  readonly appId: string;
  readonly environment: Environment;
  /** The platform policy handed to the verifiers (attestation/provider.ts). */
  readonly policy: Omit<AttestationPolicy, 'environment'>;
  /** Lifetime of an app token, seconds: 60 s to 7 days, default 3600. */
  readonly appTokenTtlSeconds: number;
  /** Scopes every app token carries (the access map checks them on scoped routes). */
  readonly appTokenScopes: readonly string[];
  /**
   * Record a missing or failed attestation or assertion and let the call through, app-wide
   * (a route can also be monitor-only on its own, `monitor: true` in the access map).
   */
  readonly monitorOnly: boolean;
  /** Successful or failed attestations allowed per instance key and per app per hour (ATTESTATION_QUOTA beyond). */
  readonly maxAttestationsPerKeyPerHour: number;
  readonly maxAttestationsPerAppPerHour: number;
  /**
   * An instance older than this must attest again (REATTESTATION_REQUIRED on its app tokens), seconds;
   * 0: never. Bounds how long one attestation vouches for a device.
   */
  readonly reattestAfterSeconds: number;
  /** Names of server-held secrets an attested instance may fetch (`GET /v1/attest/secrets`). */
  readonly runtimeSecrets: readonly string[];
  readonly updatedAtMs: number;
  readonly version: number;
}

export type AttestationConfigInput = Partial<Omit<AttestationConfig, 'appId' | 'environment' | 'updatedAtMs' | 'version'>>;

export const DEFAULT_ATTESTATION_CONFIG: Omit<AttestationConfig, 'appId' | 'environment' | 'updatedAtMs' | 'version'> = {
  policy: {},
  appTokenTtlSeconds: 3600,
  appTokenScopes: [],
  monitorOnly: false,
  maxAttestationsPerKeyPerHour: 10,
  maxAttestationsPerAppPerHour: 100_000,
  reattestAfterSeconds: 0,
  runtimeSecrets: [],
};

export const APP_TOKEN_TTL_BOUNDS = { minSeconds: 60, maxSeconds: 7 * 86_400 } as const;
