import type { Environment } from '../keys/model.js';

/** The device a session was opened on, as the app reports it (for listing, never for trust). */
export interface SessionDevice {
  readonly name?: string;
  readonly platform?: string;
  readonly appVersion?: string;
}

/**
 * One login. Its session key (short-lived, `kw_ss_…`) and refresh token (`kw_rf_…`, single use)
 * rotate on every refresh; both are stored only as SHA-256 hashes. The row is the session
 * "family": presenting a refresh token it already spent revokes the row, and with it whatever
 * tokens descend from that login.
 */
export interface Session {
  readonly id: string;
  readonly appId: string;
  readonly environment: Environment;
  readonly subject: string;
  readonly device: SessionDevice;
  readonly sessionKeyHash: string;
  readonly sessionKeyExpiresAtMs: number;
  readonly refreshHash: string;
  /** How many times the tokens were rotated. */
  readonly generation: number;
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number;
  readonly idleTtlMs: number;
  readonly absoluteExpiresAtMs: number;
  readonly revokedAtMs: number | null;
  readonly revokedReason: string | null;
}

export interface SessionTtls {
  /** A session key lives this long; the SDK refreshes before then. */
  readonly sessionKeyTtlSeconds: number;
  /** A session unused this long ends. */
  readonly idleTtlSeconds: number;
  /** A session ends this long after login, however active. */
  readonly absoluteTtlSeconds: number;
}

export const DEFAULT_SESSION_TTLS: SessionTtls = {
  sessionKeyTtlSeconds: 3600,
  idleTtlSeconds: 7 * 86400,
  absoluteTtlSeconds: 30 * 86400,
};
