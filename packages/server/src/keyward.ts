import type { Logger } from 'pino';
import { VerificationRecorder } from './analytics/recorder.js';
import { EventSeries } from './analytics/event-series.js';
import { AppService } from './apps/service.js';
import { ConsoleService } from './console/service.js';
import { AnomalyService } from './anomaly/service.js';
import { DEFAULT_THRESHOLDS } from './anomaly/model.js';
import { auditLog, type AuditLog } from './audit/service.js';
import { LocalInvalidationBus, type InvalidationBus } from './cache/invalidation.js';
import { ChangeWatcher } from './cache/change-watcher.js';
import { KeyCache } from './cache/key-cache.js';
import { DEFAULT_CONFIG, type KeywardConfig } from './config/config.js';
import { DenyAuditor } from './keys/deny-audit.js';
import { KeyService } from './keys/service.js';
import { UsageRecorder } from './keys/usage.js';
import { KeyVerifier } from './keys/verifier.js';
import { systemClock, type Clock } from './lib/clock.js';
import { loadKeyring, type Keyring } from './lib/sealed.js';
import { createLogger } from './observability/logger.js';
import { routeInvalidations } from './cache/feed-routing.js';
import { checkReadiness, type Readiness } from './observability/readiness.js';
import { Metrics } from './observability/metrics.js';
import { SecretService } from './secrets/service.js';
import { RootKeyService } from './rootkeys/service.js';
import { IdentityService } from './identities/service.js';
import { SessionService } from './sessions/service.js';
import { DeviceService } from './devices/service.js';
import { TokenService } from './tokens/service.js';
import { JwksRegistry } from './oidc/jwks.js';
import { oidcScheme } from './oidc/scheme.js';
import type { CredentialVerifiers } from './credentials/authenticate.js';
import { verifyAny, type VerifyAnyContext, type VerifyAnyInput, type VerifyAnyResult } from './credentials/verify-any.js';
import { SigningKeyResolver } from './signatures/resolver.js';
import { signatureScheme } from './signatures/scheme.js';
import type { RateLimitStore } from './ratelimit/store.js';
import type { NonceStore } from './signatures/nonce-store.js';
import type { StoreBackend } from './store/backend.js';
import type { SingleUseStore } from './state/single-use.js';
import { connectRedis } from './state/redis/connect.js';
import { redisSharedState } from './state/redis/shared-state.js';
import { backendFor, openStore } from './store/factory.js';
import { WebhookService } from './webhooks/service.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { LeakService } from './leaks/service.js';
import { leakKeySource, type LeakKeySource } from './leaks/public-keys.js';
import type { SqlStore } from './store/sql/sql-store.js';
import type { PlatformVerifier } from './attestation/verifiers-registry.js';
import { createAttestation, type Attestation, type AttestationTestHooks } from './attestation/container.js';
import type { AssertionCheck } from './attestation/assertion.js';
import type { AttestationPlatform } from './attestation/provider.js';

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
  readonly eventSeries: EventSeries; // attestation, leak, anomaly and webhook counts per bucket (analytics/event-series.ts)
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
   * Things used once across every node (attestation challenges, …): Redis when `redisUrl` is set,
   * else the store (shared by every process on it), in memory for `:memory:` stores.
   */
  readonly singleUse: SingleUseStore;
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
  /** Identities: the keys of one customer, sharing metadata, a rate limit and credits. */
  readonly identities: IdentityService;
  /** Root (operator) keys with least privilege. */
  readonly rootKeys: RootKeyService;
  /** The hash-chained audit log, read-only. */
  readonly audit: AuditLog;
  /** Anomaly detection over every pipeline authentication, with per-app actions (anomaly/). */
  readonly anomalies: AnomalyService;
  /** Dashboard sign-in: root key → short-lived cookie session (console/). */
  readonly console: ConsoleService;
  /** App attestation: the flow, its settings, the request-path gate and the admin side. */
  readonly attestation: Attestation;
  /** Webhook endpoints and `emit`, the one way any feature queues an event (webhooks/service.ts). */
  readonly webhooks: WebhookService;
  /** Delivers the outbox from this process (idle when `webhookPollIntervalMs` is 0). */
  readonly dispatcher: WebhookDispatcher;
  /** Leak reports: act on reported keys (leaks/service.ts). */
  readonly leaks: LeakService;
  /** The reporters' public keys for `POST /v1/leaks`. */
  readonly leakKeys: LeakKeySource;
  /**
   * Readiness: resolves when the store (and Redis, when configured) answers; otherwise rejects with
   * NOT_READY naming each failing dependency (observability/readiness.ts).
   */
  ready(): Promise<Readiness>;
  /** Verify any credential (key, session, token, signed request) with one answer shape. */
  verify(input: VerifyAnyInput, context?: VerifyAnyContext): Promise<VerifyAnyResult>;
  close(): Promise<void>;
}

export interface CreateKeywardOptions {
  readonly config?: Partial<KeywardConfig>;
  /**
   * Defaults to the store the config selects (`databaseUrl`: PostgreSQL; else SQLite in
   * `dataDir`). The container closes it.
   */
  readonly store?: SqlStore;
  readonly bus?: InvalidationBus;
  readonly now?: Clock;
  readonly logger?: Logger;
  readonly defaultMetrics?: boolean;
  readonly keyring?: Keyring;
  readonly nonces?: NonceStore;
  readonly limits?: RateLimitStore;
  readonly singleUse?: SingleUseStore;
  /**
   * Whether to follow changes other processes make (the change poll and, on PostgreSQL, the
   * LISTEN connection). Default true; one-shot CLI commands, which answer and exit, pass false.
   */
  readonly watchChanges?: boolean;
  /** Platform attestation verifiers (attestation/apple, android, …); the debug verifier is always there. */
  readonly attestationVerifiers?: readonly PlatformVerifier[];
  /** Platform assertion checks replacing the generic ECDSA form (e.g. Apple's CBOR assertions). */
  readonly assertionChecks?: ReadonlyMap<AttestationPlatform, AssertionCheck>;
  /** Tests only, `test` environment only: recorded platform vectors through HTTP (attestation/container.ts says why). */
  readonly attestationTestHooks?: AttestationTestHooks;
}

export async function createKeyward(options: CreateKeywardOptions = {}): Promise<Keyward> {
  const config: KeywardConfig = { ...DEFAULT_CONFIG, ...options.config };
  const now = options.now ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  // Redis first, then the keyring: a bad URL or master key stops start-up before any store (or
  // master key file) is created.
  const redis = config.redisUrl ? await connectRedis({ url: config.redisUrl, commandTimeoutMs: config.redisCommandTimeoutMs, connectTimeoutMs: config.redisConnectTimeoutMs, keyPrefix: config.redisKeyPrefix, clusterNodes: config.redisClusterNodes }) : undefined;
  let keyring: Keyring;
  let leakKeys: LeakKeySource;
  let store: SqlStore;
  try {
    keyring = options.keyring ?? loadKeyring(process.env, options.store ? undefined : config.dataDir, config.databaseUrl !== '' && !options.store);
    // Like the keyring: a bad KEYWARD_LEAK_PUBLIC_KEYS_FILE stops start-up before anything is opened.
    leakKeys = leakKeySource({
      file: config.leakPublicKeysFile,
      url: config.leakPublicKeysUrl,
      cacheSeconds: config.leakPublicKeysCacheSeconds,
      now,
      onError: (err) => logger.warn({ err }, 'leak-report public keys could not be fetched; keeping the previous ones'),
    });
    store = options.store ?? (await openStore(config));
    await store.migrate();
  } catch (err) {
    await redis?.close();
    throw err;
  }
  const backend: StoreBackend = backendFor(store);
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? false });
  // With Redis, the short-lived shared state lives there (state/redis/shared-state.ts); without, in the store.
  const shared = redis ? redisSharedState(redis, { config, store, metrics, logger, now }) : undefined;
  const cache = new KeyCache({ ttlMs: config.cacheTtlMs, negativeTtlMs: config.negativeCacheTtlMs, maxEntries: config.cacheMaxEntries, now });
  const bus = options.bus ?? new LocalInvalidationBus();
  // One local feed for every cache: the bus's messages and the change log's, delivered alike.
  const feed = new LocalInvalidationBus();
  const unsubscribe = bus.subscribe((m) => void feed.publish(m));
  feed.subscribe((m) => {
    if (m.type === 'key' && m.revoked) cache.markRevoked(m.keyId, now());
    else if (m.type === 'key') cache.invalidateKey(m.keyId);
    else if (m.type === 'all') cache.clear();
  });
  const watcher = new ChangeWatcher(await backend.changes(now), (m) => void feed.publish(m), {
    pollIntervalMs: config.changePollIntervalMs,
    onError: (err) => logger.error({ err }, 'change poll failed'),
    onListenError: (err, retryInMs) => logger.warn({ err, retryInMs }, 'change notifications unavailable; reconnecting (the change poll covers the gap)'),
  });
  // Shared by every process on the store (never per process): see StoreBackend.
  const limits = options.limits ?? shared?.limits ?? backend.limits;
  const spendKeyCredits = backend.spendKeyCredits;
  // With Redis, each node's buffer flushes there and one node at a time moves the sums to the store.
  const usage = new UsageRecorder(shared?.usage ?? store, config.usageFlushIntervalMs, (err) => logger.error({ err }, 'usage flush failed; will retry'));
  usage.start();
  shared?.usageFlusher.start();
  const analytics = new VerificationRecorder({
    store: backend.analytics,
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
  const nonces = options.nonces ?? shared?.nonces ?? backend.nonces({ maxPerKey: config.nonceCacheMaxPerKey, now });
  const singleUse = options.singleUse ?? shared?.singleUse ?? backend.singleUse(now);
  // `tokens` is built below; a deletion asks it only when it runs.
  const apps = new AppService({ store, now, bus, tokenRevocationMs: (): number => tokens.revocationLifetimeMs(), cacheTtlMs: config.appCacheTtlMs });
  const identities = new IdentityService({ store: backend.identities, core: store, cache, bus, now });
  const dispatcher = new WebhookDispatcher({
    store: backend.webhooks,
    keyring,
    now,
    timeoutMs: config.webhookTimeoutMs,
    pollIntervalMs: config.webhookPollIntervalMs,
    allowPrivateAddresses: config.webhookAllowPrivateAddresses,
    deliveryRetentionDays: config.webhookDeliveryRetentionDays,
    pruneIntervalMs: config.webhookPruneIntervalMs,
    onPruned: (n) => logger.info({ deleted: n }, 'webhook deliveries past their retention pruned'),
    onError: (err) => logger.error({ err }, 'webhook dispatch failed; the lease expires and another poll retries'),
    onAttempt: (d, o) => logger.info({ deliveryId: d.id, endpointId: d.endpointId, attempt: o.attempt.attempt, status: o.status, statusCode: o.attempt.statusCode, error: o.attempt.error }, 'webhook attempt'),
  });
  const webhooks = new WebhookService({ store: backend.webhooks, keyring, now, allowPrivateAddresses: config.webhookAllowPrivateAddresses, onQueued: () => dispatcher.wake() });
  // Events are queued by the store in the transaction of the change they describe
  // (AuditDraft.events, store/sql/outbox.ts); the services only wake the dispatcher after the commit.
  const wake = (): void => dispatcher.wake();
  const keys = new KeyService({ store, cache, bus, now, keyring, identityApp: (id) => identities.appOf(id), onEventsQueued: wake });
  const devices = new DeviceService({ store: backend.devices, keys, now });
  const signingKeys = new SigningKeyResolver({ store, keyring, bus: feed, now, cacheTtlMs: config.cacheTtlMs, devices: devices.lookup });
  const sessions = new SessionService({
    store: backend.sessions,
    now,
    touchFlushIntervalMs: config.usageFlushIntervalMs,
    ttls: { sessionKeyTtlSeconds: config.sessionKeyTtlSeconds, idleTtlSeconds: config.sessionIdleTtlSeconds, absoluteTtlSeconds: config.sessionAbsoluteTtlSeconds },
  });
  const tokens = new TokenService({
    store: backend.tokens,
    keyring,
    now,
    issuer: config.tokenIssuer,
    maxTtlSeconds: config.tokenMaxTtlSeconds,
    signingKeyPublishDelaySeconds: config.signingKeyPublishDelaySeconds,
    appMaxTtlSeconds: async (appId) => (await apps.getCached(appId))?.settings.maxTokenTtlSeconds,
    onError: (err) => logger.error({ err }, 'token maintenance failed'),
  });
  routeInvalidations(feed, { apps, devices, sessions, tokens }, logger);
  const secrets = new SecretService({ store: backend.secrets, keyring, now });
  const attestation = createAttestation({
    config,
    store: backend.attestation,
    core: store,
    singleUse,
    tokens,
    secrets,
    keyring,
    limits,
    metrics,
    feed,
    now,
    ...(options.attestationVerifiers ? { verifiers: options.attestationVerifiers } : {}),
    ...(options.assertionChecks ? { assertionChecks: options.assertionChecks } : {}),
    ...(options.attestationTestHooks ? { testHooks: options.attestationTestHooks } : {}),
    onEventsQueued: wake,
    onError: (err) => logger.error({ err }, 'attestation events flush failed; will retry'),
  });
  if (options.watchChanges !== false) await watcher.start();
  const anomalies = new AnomalyService({
    store: backend.anomalies,
    thresholds: DEFAULT_THRESHOLDS,
    maxEntities: config.anomalyMaxEntities,
    snapshotIntervalMs: config.anomalySnapshotIntervalMs,
    now,
    logger,
    actuators: {
      appSettings: async (appId) => (await apps.getCached(appId))?.settings,
      getKey: (id) => store.getKey(id),
      updateKey: (id, patch, by) => keys.update(id, patch, by),
      revokeSession: (id, reason, by) => sessions.revoke(id, reason, by),
      revokeDevice: (id, by) => devices.revoke(id, by),
    },
    onAnomaly: (a) => {
      metrics.anomalies.inc({ rule: a.rule, action: a.action, outcome: a.actionOutcome });
      if (a.appId) wake();
    },
  });
  await anomalies.start();
  dispatcher.start();
  const credentials: CredentialVerifiers = {
    keys: verifier,
    sessions: sessions.scheme(),
    tokens: attestation.gate.tokenScheme(tokens.scheme()),
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
      for (const key of await keys.reportSeenInUrl(found, seen)) anomalies.keyInUrl(key);
    },
    ...(config.anomalyMaxEntities > 0 ? { observe: (o: Parameters<AnomalyService['observe']>[0]) => anomalies.observe(o) } : {}),
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
    eventSeries: new EventSeries({ store: backend.eventSeries, flush: () => attestation.events.flush() }),
    apps,
    keys,
    verifier,
    nonces,
    limits,
    singleUse,
    feed,
    sessions,
    devices,
    tokens,
    signingKeys,
    credentials,
    identities,
    rootKeys: new RootKeyService({ store, keys }),
    secrets,
    audit: auditLog(store),
    anomalies,
    console: new ConsoleService({ store: backend.console, verifier, now, ttlSeconds: config.consoleSessionTtlSeconds }),
    attestation,
    webhooks,
    dispatcher,
    leaks: new LeakService({ store, keys, leaks: backend.leaks, now, onEventsQueued: wake }),
    leakKeys,
    ready: () =>
      checkReadiness(store.backend, [{ name: 'store', ping: () => store.ping() }, ...(redis ? [{ name: 'redis' as const, ping: () => redis.ping() }] : [])], (dependency, err) =>
        logger.warn({ err, dependency }, 'readiness: a dependency does not answer'),
      ),
    verify: (input, context = {}) =>
      verifyAny(credentials, input, context, (scheme, code, reason) => metrics.verification(scheme, code, reason), { attestation: attestation.gate, observed: { now, ...observedIp('credential' in input ? input.clientIp : input.request.clientIp) } }),
    async close() {
      await watcher.stop();
      await anomalies.stop();
      await attestation.events.stop();
      await dispatcher.stop();
      await usage.stop();
      await shared?.usageFlusher.stop();
      await analytics.stop();
      await sessions.close();
      tokens.close();
      unsubscribe();
      await feed.close();
      await bus.close();
      await backend.close();
      await store.close();
      await redis?.close();
    },
  };
}

/** The in-process verify's caller-given address, for anomaly detection (absent: none). */
const observedIp = (ip: string | undefined): { clientIp?: string } => (ip ? { clientIp: ip } : {});
