/**
 * The platform verifiers, built once at start-up from options (never per request): the flow
 * looks a payload's platform up here. The debug provider belongs to the flow (attestation/debug).
 */
import type { KeywardConfig } from '../config/config.js';
import type { Clock } from '../lib/clock.js';
import type { JwksRegistry } from '../oidc/jwks.js';
import { androidVerifier, type AndroidVerifierOptions } from './android/index.js';
import { appleVerifier, type AppleVerifierOptions } from './apple/index.js';
import { externalVerifier, type ExternalVerifierOptions } from './external/index.js';
import { playIntegrityVerifier, type PlayIntegrityVerifierOptions } from './play-integrity/index.js';
import type { AttestationPayload, AttestationVerifier } from './provider.js';

export { verifyAppleAssertion } from './apple/index.js';

export interface PlatformVerifierOptions {
  readonly now?: Clock;
  readonly apple?: AppleVerifierOptions;
  readonly android?: Omit<AndroidVerifierOptions, 'now'>;
  readonly playIntegrity?: PlayIntegrityVerifierOptions;
  readonly external?: Omit<ExternalVerifierOptions, 'now'>;
  /** The process's JWKS registry (shared with OIDC), for external tokens. */
  readonly jwksRegistry?: JwksRegistry;
}

export type PlatformVerifiers = {
  readonly [P in Exclude<AttestationPayload['platform'], 'debug'>]: AttestationVerifier<Extract<AttestationPayload, { platform: P }>>;
};

/** The process-wide verifier options the config schema carries (config/config.ts). */
export function platformVerifierOptionsFromConfig(config: Pick<KeywardConfig, 'attestationRevocationListUrl' | 'attestationRevocationListFile' | 'attestationRevocationRefreshSeconds'>): Pick<PlatformVerifierOptions, 'android'> {
  const refreshIntervalMs = config.attestationRevocationRefreshSeconds * 1000;
  if (config.attestationRevocationListUrl) return { android: { revocation: { url: config.attestationRevocationListUrl, refreshIntervalMs } } };
  if (config.attestationRevocationListFile) return { android: { revocation: { file: config.attestationRevocationListFile, refreshIntervalMs } } };
  return {};
}

export function buildPlatformVerifiers(options: PlatformVerifierOptions = {}): PlatformVerifiers {
  const now = options.now;
  return {
    apple: appleVerifier(options.apple),
    android: androidVerifier({ ...options.android, ...(now ? { now } : {}) }),
    play_integrity: playIntegrityVerifier(options.playIntegrity),
    external: externalVerifier({ ...options.external, ...(now ? { now } : {}), ...(options.jwksRegistry ? { registry: options.jwksRegistry } : {}) }),
  };
}
