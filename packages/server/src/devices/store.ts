import type { AuditDraft } from '../audit/model.js';
import type { Environment } from '../keys/model.js';
import type { WriteOutcome } from '../store/types.js';

/**
 * One app install. It proves itself either with a device secret (a `device` key, subject = this
 * id) or with a key pair whose public half is registered here (RFC 9421 keyid = this id).
 */
export interface Device {
  readonly id: string;
  readonly appId: string;
  readonly environment: Environment;
  readonly platform: string;
  readonly appVersion: string | null;
  readonly alg: 'ed25519' | 'ecdsa-p256-sha256' | null;
  readonly publicJwk: Readonly<Record<string, string>> | null;
  readonly secretKeyId: string | null;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
}

/** Same rules as the main Store: each mutation is atomic with its audit record. */
export interface DeviceStore {
  insertDevice(device: Device, audit: AuditDraft): Promise<void>;
  getDevice(id: string): Promise<Device | undefined>;
  listDevices(appId: string, environment: Environment, limit: number): Promise<readonly Device[]>;
  revokeDevice(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
}
