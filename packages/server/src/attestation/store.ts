import type { AuditDraft } from '../audit/model.js';
import type { Environment } from '../keys/model.js';
import type { WriteOutcome } from '../store/types.js';
import type { AttestationEventSink } from './events.js';
import type { AppInstance, AttestationConfig, DebugToken } from './model.js';

/**
 * Attestation persistence: app instances, debug tokens and per-app attestation settings. Every
 * backend passes test/store/attestation-store-conformance.ts.
 *
 * Rules every implementation MUST follow:
 *  - Every mutation that takes an `audit` applies its change AND appends the record in one
 *    transaction; if the record cannot be written nothing changes and the method throws.
 *  - `advanceCounter` is one guarded UPDATE (compare-and-set in the database, never
 *    read-modify-write): it succeeds only when the stored counter is below `counter` and the
 *    instance is active. Of any number of concurrent calls with one counter value exactly one wins.
 *  - `insertDebugToken` enforces the cap of live tokens per app in the same transaction as the
 *    insert, so concurrent creations never exceed it.
 *  - Revocations are guarded on "not yet revoked": one winner, the first time stands.
 *  - `recordEvents` inserts every event and its audit record in one transaction, or nothing.
 *  - Times are integer ms.
 */
export interface AttestationStore extends AttestationEventSink {
  /** Atomic with its audit record. Throws if the id exists. */
  insertInstance(instance: AppInstance, audit: AuditDraft): Promise<void>;
  getInstance(id: string): Promise<AppInstance | undefined>;
  /** Newest first, revoked included. */
  listInstances(appId: string, environment: Environment, limit: number): Promise<readonly AppInstance[]>;
  /** 'ok' once; already revoked 'conflict'; unknown 'not_found'. Audited only on 'ok'. */
  revokeInstance(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  /**
   * Sets the counter to `counter` and `lastSeenAtMs` to `nowMs` if and only if the instance is
   * active and its stored counter is below `counter`. 'stale' when the counter did not rise (or the
   * instance is revoked), 'not_found' for an unknown id. Not audited (one per request).
   */
  advanceCounter(id: string, counter: number, nowMs: number): Promise<'ok' | 'stale' | 'not_found'>;

  /** Inserts unless the app already holds `cap` live tokens ('cap_reached', nothing written). */
  insertDebugToken(token: DebugToken, cap: number, audit: AuditDraft): Promise<'ok' | 'cap_reached'>;
  findDebugTokenByHash(tokenHash: string): Promise<DebugToken | undefined>;
  listDebugTokens(appId: string): Promise<readonly DebugToken[]>;
  revokeDebugToken(id: string, nowMs: number, audit: AuditDraft): Promise<WriteOutcome>;
  getDebugToken(id: string): Promise<DebugToken | undefined>;

  /**
   * The stored form: the policy's key material (attestation/sealed-policy.ts) arrives sealed and
   * is returned as stored; opening it is the settings service's job, never the store's.
   */
  getConfig(appId: string, environment: Environment): Promise<AttestationConfig | undefined>;
  /** Every stored config, ordered by (appId, environment), the page after `after` (master-key re-sealing). */
  listAllConfigs(after: { readonly appId: string; readonly environment: Environment } | undefined, limit: number): Promise<readonly AttestationConfig[]>;
  /**
   * Creates (expectedVersion 0) or replaces the config if its stored version is `expectedVersion`;
   * 'conflict' otherwise. Atomic with its audit record.
   */
  putConfig(config: AttestationConfig, expectedVersion: number, audit: AuditDraft): Promise<'ok' | 'conflict'>;
}
