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

/**
 * Device persistence. Every backend passes test/store/device-store-conformance.ts.
 *
 * Rules every implementation MUST follow (the main Store's, store/types.ts):
 *  - Every mutation applies its change AND appends its audit record in one transaction; if the
 *    record cannot be written the change MUST NOT be applied and the method MUST throw. A method
 *    that throws has changed nothing.
 *  - A device id is registered once: the store itself (a primary key, not application code)
 *    refuses a second insert of the same id, so an install cannot be re-registered with another
 *    public key; of concurrent inserts of one id exactly one succeeds.
 *  - Revocation MUST be guarded on "not yet revoked" in the database: one winner among concurrent
 *    revokes, and the first revocation time stands.
 *  - Times are integer ms.
 */
export interface DeviceStore {
  /** Atomic with its audit record. Throws if the id exists. */
  insertDevice(device: Device, audit: AuditDraft): Promise<void>;
  getDevice(id: string): Promise<Device | undefined>;
  /** Newest first (`createdAtMs` descending), revoked devices included (operators list them). */
  listDevices(appId: string, environment: Environment, limit: number): Promise<readonly Device[]>;
  /** 'ok' once; already revoked is 'conflict', unknown 'not_found'. Atomic with its audit record, written only on 'ok'. */
  revokeDevice(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
}
