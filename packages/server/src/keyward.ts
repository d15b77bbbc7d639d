import type { Logger } from 'pino';
import { VerificationRecorder } from './analytics/recorder.js';
import { AppService } from './apps/service.js';
import { auditLog, type AuditLog } from './audit/service.js';
import { LocalInvalidationBus, type InvalidationBus } from './cache/invalidation.js';
import { ChangeWatcher, KeyVersionSource } from './cache/change-watcher.js';
import { ChangeLogSource } from './cache/change-log.js';
import { KeyCache } from './cache/key-cache.js';
import { DEFAULT_CONFIG, type KeywardConfig } from './config/config.js';
import { DenyAuditor } from './keys/deny-audit.js';
import { KeyService } from './keys/service.js';
import { UsageRecorder } from './keys/usage.js';
import { KeyVerifier } from './keys/verifier.js';
import { MemoryRateLimitStore, type RateLimitStore } from './ratelimit/store.js';
import { SqliteRateLimitStore } from './ratelimit/sqlite-store.js';
import { SqliteNonceStore } from './signatures/sqlite-nonce-store.js';
import { SharedSqlite } from './store/sqlite-shared.js';
import { sqliteCreditSpender } from './store/sqlite-credits.js';
import { systemClock, type Clock } from './lib/clock.js';
import { loadKeyring, type Keyring } from './lib/sealed.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { SecretService } from './secrets/service.js';
import { SessionService } from './sessions/service.js';
import { DeviceService } from './devices/service.js';
import { SqlDeviceStore } from './store/sql/device-store.js';
import { TokenService } from './tokens/service.js';
import { JwksRegistry } from './oidc/jwks.js';
import { oidcScheme } from './oidc/scheme.js';
import { SqlTokenStore } from './store/sql/token-store.js';
import { SqlSessionStore } from './store/sql/session-store.js';
import type { CredentialVerifiers } from './credentials/authenticate.js';
import { verifyAny, type VerifyAnyContext, type VerifyAnyInput, type VerifyAnyResult } from './credentials/verify-any.js';
import { MemoryNonceStore, type NonceStore } from './signatures/nonce-store.js';
import { SigningKeyResolver } from './signatures/resolver.js';
import { signatureScheme } from './signatures/scheme.js';
import { SqlSecretStore } from './store/sql/secret-store.js';
import { SqlAnalyticsStore } from './store/sql/analytics-store.js';
import type { SqlStore } from './store/sql/sql-store.js';
import { openSqliteStore } from './store/sqlite.js';

/**
 * Every service, built once at start-up and shared by the HTTP API, the CLI and in-process
 * callers. Nothing in here knows about HTTP.
 */
export interface Keyward {
  readonly config: KeywardConfig;
  readonly store: SqlStore;
  readonly now: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Master keys for secrets Keyward must read back (see lib/sealed.ts). */
  readonly keyring: Keyring;
  readonly cache: KeyCache;
  readonly bus: InvalidationBus;
  readonly usage: UsageRecorder;
  /** Verification outcomes per key, app and identity, counted in memory and flushed with usage (analytics/recorder.ts). */
  readonly analytics: VerificationRecorder;
  readonly apps: AppService;
  readonly keys: KeyService;
  readonly verifier: KeyVerifier;
  /**
   * RFC 9421 replay cache: in the SQLite file when the store is file-backed (shared by every
   * process on it), in memory for `:memory:` stores; Redis in a multi-node deployment.
   */
  readonly nonces: NonceStore;
  /** Rate limits and quotas (keys' own limits, the gateway's and the middleware's): shared like `nonces`. */
  readonly limits: RateLimitStore;
  /**
   * The local change feed every cache listens to: messages of `bus` (this process's writes, and
   * its peers' on a pub/sub bus) and the store's change log (other processes on the same store).
   */
  readonly feed: InvalidationBus;
  readonly signingKeys: SigningKeyResolver;
  /** Every credential scheme, for `authenticate()`: keys, signatures, and later sessions and tokens. */
  readonly credentials: CredentialVerifiers;
  readonly sessions: SessionService;
  /** Per-install device credentials (secret or registered public key). */
  readonly devices: DeviceService;
  /** Short-lived JWTs and the JWKS. */
  readonly tokens: TokenService;
  /** Server-held third-party secrets (sealed), injected upstream by the gateway. */
  readonly secrets: SecretService;
  /** The hash-chained audit log, read-only. */
  readonly audit: AuditLog;
  /** Readiness: resolves with the store backend's name when the store answers, rejects otherwise. */
  ready(): Promise<string>;
  /** Verify any credential (key, session, token, signed request) with one answer shape. */
  verify(input: VerifyAnyInput, context?: VerifyAnyContext): Promise<VerifyAnyResult>;
  close(): Promise<void>;
}

export interface CreateKeywardOptions {
  readonly config?: Partial<KeywardConfig>;
  /** Defaults to the embedded SQLite store in `config.dataDir`. */
  readonly store?: SqlStore;
  readonly bus?: InvalidationBus;
  readonly now?: Clock;
  readonly logger?: Logger;
  readonly defaultMetrics?: boolean;
  readonly keyring?: Keyring;
  readonly nonces?: NonceStore;
  readonly limits?: RateLimitStore;
}

export async function createKeyward(options: CreateKeywardOptions = {}): Promise<Keyward> {
  const config: KeywardConfig = { ...DEFAULT_CONFIG, ...options.config };
  const now = options.now ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  // The keyring first: a bad master key must stop start-up before any store is created.
  const keyring = options.keyring ?? loadKeyring(process.env, options.store ? undefined : config.dataDir);
  const store = options.store ?? openSqliteStore({ dataDir: config.dataDir });
  await store.migrate();
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? false });
  const cache = new KeyCache({ ttlMs: config.cacheTtlMs, negativeTtlMs: config.negativeCacheTtlMs, maxEntries: config.cacheMaxEntries, now });
  const bus = options.bus ?? new LocalInvalidationBus();
  // One local feed for every cache: the bus's messages and the change log's, delivered alike.
  const feed = new LocalInvalidationBus();
  const unsubscribe = bus.subscribe((m) => void feed.publish(m));
  feed.subscribe((m) => {
    if (m.type === 'key') cache.invalidateKey(m.keyId);
    else if (m.type === 'all') cache.clear();
  });
  let changeSource;
  if (store.backend === 'sqlite') {
    const log = new ChangeLogSource(store.db, {});
    await log.init();
    changeSource = log;
  } else {
    changeSource = new KeyVersionSource(store, { lookBackMs: 5_000, now });
  }
  const watcher = new ChangeWatcher(changeSource, (m) => void feed.publish(m), {
    pollIntervalMs: config.changePollIntervalMs,
    onError: (err) => logger.error({ err }, 'change poll failed'),
  });
  // Cross-process state on a file-backed SQLite store lives in the file; `:memory:` is one process anyway.
  const shared = store.sqliteFile ? new SharedSqlite(store.sqliteFile) : undefined;
  const limits = options.limits ?? (shared ? new SqliteRateLimitStore(shared) : new MemoryRateLimitStore());
  const spendKeyCredits = shared ? sqliteCreditSpender(shared) : store.spendKeyCredits.bind(store);
  const usage = new UsageRecorder(store, config.usageFlushIntervalMs, (err) => logger.error({ err }, 'usage flush failed; will retry'));
  usage.start();
  const analytics = new VerificationRecorder({
    store: new SqlAnalyticsStore(store.db),
    now,
    flushIntervalMs: config.usageFlushIntervalMs,
    retention: { minuteRetentionHours: config.analyticsMinuteRetentionHours, hourRetentionDays: config.analyticsHourRetentionDays, dayRetentionDays: config.analyticsDayRetentionDays },
    onError: (err) => logger.error({ err }, 'analytics flush failed; will retry'),
  });
  analytics.start();
  const denyAuditor = new DenyAuditor(store, now, 60_000, (err) => logger.error({ err }, 'could not audit a refused key'));
  const verifier = new KeyVerifier({
    limits,
    store: { findKeyByHash: (hash) => store.findKeyByHash(hash), spendKeyCredits },
    cache,
    usage,
    now,
    onDecision: (d) => {
      metrics.verification('key', d.code, d.valid ? 'VALID' : d.reason);
      analytics.record(d);
      if (!d.valid) denyAuditor.observe(d);
    },
  });
  metrics.observeCacheSize(() => cache.size);
  const nonces = options.nonces ?? (shared ? new SqliteNonceStore(shared, { maxPerKey: config.nonceCacheMaxPerKey, now }) : new MemoryNonceStore({ maxPerKey: config.nonceCacheMaxPerKey, now }));
  const apps = new AppService({ store, now });
  const keys = new KeyService({ store, cache, bus, now, keyring });
  const devices = new DeviceService({ store: new SqlDeviceStore(store.db), keys, now });
  const signingKeys = new SigningKeyResolver({ store, keyring, bus: feed, now, cacheTtlMs: config.cacheTtlMs, devices: devices.lookup });
  const sessions = new SessionService({
    store: new SqlSessionStore(store.db, store.backend),
    now,
    touchFlushIntervalMs: config.usageFlushIntervalMs,
    ttls: { sessionKeyTtlSeconds: config.sessionKeyTtlSeconds, idleTtlSeconds: config.sessionIdleTtlSeconds, absoluteTtlSeconds: config.sessionAbsoluteTtlSeconds },
  });
  const tokens = new TokenService({
    store: new SqlTokenStore(store.db),
    keyring,
    now,
    issuer: config.tokenIssuer,
    maxTtlSeconds: config.tokenMaxTtlSeconds,
    signingKeyPublishDelaySeconds: config.signingKeyPublishDelaySeconds,
    appMaxTtlSeconds: async (appId) => (await apps.getCached(appId))?.settings.maxTokenTtlSeconds,
    onError: (err) => logger.error({ err }, 'token maintenance failed'),
  });
  feed.subscribe((m) => {
    if (m.type === 'device') devices.forget(m.deviceId);
    else if (m.type === 'session') sessions.invalidateSession(m.sessionId);
    else if (m.type === 'signing_keys') tokens.signingKeysChanged().catch((err) => logger.error({ err }, 'signing key refresh failed'));
    else if (m.type === 'all') {
      devices.clearCache();
      sessions.clearCache();
      tokens.signingKeysChanged().catch((err) => logger.error({ err }, 'signing key refresh failed'));
    }
  });
  watcher.start();
  const credentials: CredentialVerifiers = {
    keys: verifier,
    sessions: sessions.scheme(),
    tokens: tokens.scheme(),
    signatures: signatureScheme({
      resolver: signingKeys,
      nonces,
      now,
      policy: { skewSeconds: config.signatureSkewSeconds, maxAgeSeconds: config.signatureMaxAgeSeconds },
      appSettings: async (appId) => (await apps.getCached(appId))?.settings,
    }),
    // End users' tokens from each app's own identity provider; JWKS fetched, cached and refreshed per URL.
    oidc: oidcScheme({
      appSettings: async (appId) => (await apps.getCached(appId))?.settings,
      jwks: new JwksRegistry(now, { onError: (err, jwksUri) => logger.warn({ err, jwksUri }, 'identity provider JWKS could not be fetched') }),
      now,
    }),
    reportKeysInUrl: async (found, seen) => {
      metrics.keysSeenInUrls.inc();
      await keys.reportSeenInUrl(found, seen);
    },
  };
  return {
    config,
    store,
    now,
    logger,
    metrics,
    keyring,
    cache,
    bus,
    usage,
    analytics,
    apps,
    keys,
    verifier,
    nonces,
    limits,
    feed,
    sessions,
    devices,
    tokens,
    signingKeys,
    credentials,
    secrets: new SecretService({ store: new SqlSecretStore(store.db), keyring, now }),
    audit: auditLog(store),
    ready: async () => {
      await store.ping();
      return store.backend;
    },
    verify: (input, context = {}) => verifyAny(credentials, input, context, (scheme, code, reason) => metrics.verification(scheme, code, reason)),
    async close() {
      watcher.stop();
      await usage.stop();
      await analytics.stop();
      await sessions.close();
      tokens.close();
      unsubscribe();
      await feed.close();
      await bus.close();
      shared?.close();
      await store.close();
    },
  };
}
