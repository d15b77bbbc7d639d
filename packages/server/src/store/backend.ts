import type { AnalyticsStore } from '../analytics/store.js';
import type { EventSeriesStore } from '../analytics/event-series.js';
import type { AnomalyStore } from '../anomaly/store.js';
import type { ConsoleSessionStore } from '../console/store.js';
import type { AttestationStore } from '../attestation/store.js';
import type { ChangeSource } from '../cache/change-watcher.js';
import type { DeviceStore } from '../devices/store.js';
import type { CreditSpend } from '../keys/credits.js';
import type { Clock } from '../lib/clock.js';
import type { RateLimitStore } from '../ratelimit/store.js';
import type { SecretStore } from '../secrets/store.js';
import type { SingleUseStore } from '../state/single-use.js';
import type { SessionStore } from '../sessions/store.js';
import type { NonceStore } from '../signatures/nonce-store.js';
import type { TokenStore } from '../tokens/store.js';
import type { LeakStore } from '../leaks/store.js';
import type { WebhookStore } from '../webhooks/store.js';
import type { IdentityStore } from '../identities/store.js';
import type { SqlStore } from './sql/sql-store.js';

/**
 * Everything the service container needs from persistence, built by one factory per backend
 * (store/sqlite/factory.ts, store/postgres/factory.ts). The container sees only these
 * interfaces; which database, which connection and which locking scheme stay in the factory.
 *
 * Cross-process state (replay cache, rate limits, credit spends, change feed) is part of the
 * backend, never per process: every process on one store shares one budget and one cache.
 */
export interface StoreBackend {
  /** The core store (apps, keys, audit). */
  readonly store: SqlStore;
  readonly sessions: SessionStore;
  readonly devices: DeviceStore;
  readonly tokens: TokenStore;
  readonly secrets: SecretStore;
  readonly analytics: AnalyticsStore;
  /** The usage overview's security and operations series, counted from the feature tables (read-only). */
  readonly eventSeries: EventSeriesStore;
  readonly anomalies: AnomalyStore;
  readonly console: ConsoleSessionStore;
  /** App instances, debug tokens and attestation settings (attestation/store.ts). */
  readonly attestation: AttestationStore;
  /** Webhook endpoints and the outbox of deliveries (multi-node: leased claims). */
  readonly webhooks: WebhookStore;
  readonly leaks: LeakStore;
  /** One SQL implementation serves both backends (identities/store.ts says why). */
  readonly identities: IdentityStore;
  readonly limits: RateLimitStore;
  nonces(options: { readonly maxPerKey: number; readonly now: Clock }): NonceStore;
  /** Single-use entries (attestation challenges, …) on `now`: in the store, so every node shares them. */
  singleUse(now: Clock): SingleUseStore;
  /** `Store.spendKeyCredits`, or a faster path to the same rows (SQLite's shared connection). */
  readonly spendKeyCredits: (keyId: string, cost: number, nowMs: number) => Promise<CreditSpend>;
  /** Changes written by other processes on the same store, read from where the store keeps them. */
  changes(now: Clock): Promise<ChangeSource>;
  /** Closes what the backend opened besides the core store (which the container closes last). */
  close(): Promise<void>;
}
