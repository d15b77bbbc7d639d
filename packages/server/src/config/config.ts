import { isIP } from 'node:net';
import { isOriginEntry } from '../lib/origin.js';
import { DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS } from '../tokens/lifecycle.js';

/**
 * Configuration: one schema, read once at start-up from flags and `KEYWARD_*` variables. Every
 * option has a default and its unit in its name; a bad value stops start-up with a message that
 * says which variable or flag to fix and what it accepts.
 */
export interface KeywardConfig {
  readonly host: string;
  readonly port: number;
  /** Directory of the embedded SQLite store (and, with it, the generated master key). */
  readonly dataDir: string;
  /** `postgres://…` selects the PostgreSQL store instead of SQLite in `dataDir`; empty = SQLite. */
  readonly databaseUrl: string;
  /** PostgreSQL connections per process. */
  readonly databasePoolSize: number;
  /** Longest a single PostgreSQL statement may run before the server cancels it (0 = no limit). */
  readonly databaseStatementTimeoutMs: number;
  /**
   * `redis://…` or `rediss://…`: rate limits, the replay cache and single-use state move to Redis
   * (shared by every node; state/redis/). Empty = they stay in the store.
   */
  readonly redisUrl: string;
  /**
   * Redis Cluster (`KEYWARD_REDIS_CLUSTER_NODES=host:port,…`): set, Keyward talks to a Cluster
   * through ioredis's Cluster client. The nodes listed and the host of `redisUrl` are the seeds the
   * client learns the slot map from (one reachable seed is enough); `redisUrl` still carries the
   * user, password and TLS (`rediss:`) every node is reached with, and must name database 0 (a
   * Cluster has no others). Empty: one Redis endpoint.
   */
  readonly redisClusterNodes: readonly string[];
  /** Longest one Redis command may take before it fails (a nonce check then fails closed, a limit falls back). */
  readonly redisCommandTimeoutMs: number;
  /** Longest a (re)connection to Redis may take, including at start-up. */
  readonly redisConnectTimeoutMs: number;
  /** Prefix of every Redis key Keyward writes, so several deployments can share one Redis. */
  readonly redisKeyPrefix: string;
  /**
   * How many nodes share the limits: while Redis is unavailable each node enforces 1/clusterNodes
   * of every rate limit and quota on its own (state/limits-failover.ts).
   */
  readonly clusterNodes: number;
  /**
   * Longest wait for a new PostgreSQL connection, and (with the statement timeout) for an answer
   * on one: a database that is down or unreachable fails a request with STORE_UNAVAILABLE
   * within this bound instead of hanging it.
   */
  readonly databaseConnectTimeoutMs: number;
  /**
   * Run the verification lookup as a named prepared statement on PostgreSQL (planned once per
   * connection). Turn off behind a pooler that cannot keep prepared statements across
   * transactions (PgBouncer before 1.21 in transaction mode, or with max_prepared_statements = 0).
   */
  readonly databasePreparedStatements: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json`: one JSON object per line (for collectors); `pretty`: readable lines; `auto`: pretty on a terminal, JSON otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly cacheTtlMs: number;
  readonly negativeCacheTtlMs: number;
  readonly cacheMaxEntries: number;
  /**
   * Backstop TTL of each node's copy of app settings (CORS origins, identity providers, attestation
   * settings, anomaly and leak actions …), ms. A change reaches every node through the change feed
   * at once; this bounds the lag only if the feed fails.
   */
  readonly appCacheTtlMs: number;
  readonly usageFlushIntervalMs: number;
  /** How often to look for keys changed by other processes sharing the store (0 = never). */
  readonly changePollIntervalMs: number;
  readonly bodyLimitBytes: number;
  /** Allowed clock difference for request signatures, seconds. */
  readonly signatureSkewSeconds: number;
  /** How long an attestation challenge may be used (once), seconds (10 to 600; default 120). */
  readonly attestationChallengeTtlSeconds: number;
  /** How old a signature's `created` may be, seconds. */
  readonly signatureMaxAgeSeconds: number;
  /** Replay-cache entries kept per signing key (a full key refuses rather than forgets). */
  readonly nonceCacheMaxPerKey: number;
  /** `iss` of every token Keyward mints. */
  readonly tokenIssuer: string;
  /** Longest token lifetime any app may allow, seconds. */
  readonly tokenMaxTtlSeconds: number;
  /**
   * How long a rotated JWT signing key is in the JWKS before it signs, seconds (default 360: the
   * JWKS max-age of 300 s plus a minute), so verifiers caching the JWKS never meet an unknown kid.
   */
  readonly signingKeyPublishDelaySeconds: number;
  /** Session key lifetime; the SDK refreshes before it ends. */
  readonly sessionKeyTtlSeconds: number;
  /** A session unused this long ends. */
  readonly sessionIdleTtlSeconds: number;
  /** A session ends this long after login. */
  readonly sessionAbsoluteTtlSeconds: number;
  /** Requests slower than this are cut off (headers + body). */
  readonly requestTimeoutMs: number;
  /** On SIGTERM/SIGINT: idle connections close at once; requests still running get this long to finish before their connections are cut. */
  readonly shutdownTimeoutMs: number;
  /** Verification analytics: how long minute buckets are kept, hours (default 48). */
  readonly analyticsMinuteRetentionHours: number;
  /** How long hour buckets are kept, days (default 90). */
  readonly analyticsHourRetentionDays: number;
  /** How long day buckets are kept, days (default 730). */
  readonly analyticsDayRetentionDays: number;
  /**
   * Web origins allowed to call the admin API from a browser (CORS), on top of those the apps
   * list in `settings.corsOrigins`: e.g. an operator dashboard. Comma-separated; `*` for any
   * (never with credentials). Default none.
   */
  readonly corsOrigins: readonly string[];
  /**
   * Anomaly detection (anomaly/): how many credentials and apps it keeps a baseline for, per map
   * (least recently seen forgotten first; about 1 kB each). 0 turns detection off.
   */
  readonly anomalyMaxEntities: number;
  /** How often the baselines are written to the store so they survive a restart, ms (0: only at shutdown). */
  readonly anomalySnapshotIntervalMs: number;
  /** Lifetime of a dashboard sign-in, seconds (default 3600); it ends then, or at sign-out. */
  readonly consoleSessionTtlSeconds: number;
  /**
   * Google's Android attestation status list (revoked attestation keys), as a URL (usually
   * https://android.googleapis.com/attestation/status) or a local file; at most one. Default
   * none: no revocation check (docs/attestation.md says why to set it).
   */
  readonly attestationRevocationListUrl: string;
  readonly attestationRevocationListFile: string;
  /** How long a read status list is used before it is read again, seconds (default 3600). */
  readonly attestationRevocationRefreshSeconds: number;
  /**
   * Leak reports (`POST /v1/leaks`): a file of the reporters' public keys in the format of
   * GitHub's `/meta/public_keys/secret_scanning` (`{public_keys:[{key_identifier,key,is_current}]}`).
   * Empty (and no URL): leak reports are refused with LEAK_REPORTS_DISABLED.
   */
  readonly leakPublicKeysFile: string;
  /** The same document fetched from a URL (e.g. https://api.github.com/meta/public_keys/secret_scanning) and cached. */
  readonly leakPublicKeysUrl: string;
  /** How long fetched leak-report keys are kept before they are fetched again, seconds. */
  readonly leakPublicKeysCacheSeconds: number;
  /** One webhook delivery attempt (connect, headers and body), ms. */
  readonly webhookTimeoutMs: number;
  /** How often each node looks for due webhook deliveries, ms (0: this process never delivers). */
  readonly webhookPollIntervalMs: number;
  /** Allow webhook URLs on loopback, private and reserved addresses, and plain http (tests, internal receivers). Default false. */
  readonly webhookAllowPrivateAddresses: boolean;
  /** Delivered and failed webhook deliveries, with their attempt logs, are deleted this long after their last attempt, days. */
  readonly webhookDeliveryRetentionDays: number;
  /** How often each node prunes the webhook delivery log past its retention, ms (0: never). */
  readonly webhookPruneIntervalMs: number;
}

export const DEFAULT_CONFIG: KeywardConfig = {
  host: '127.0.0.1',
  port: 8787,
  dataDir: './.keyward',
  databaseUrl: '',
  databasePoolSize: 10,
  databaseStatementTimeoutMs: 30_000,
  redisUrl: '',
  redisCommandTimeoutMs: 500,
  redisConnectTimeoutMs: 3_000,
  redisKeyPrefix: 'kw',
  redisClusterNodes: [],
  clusterNodes: 1,
  databaseConnectTimeoutMs: 5_000,
  databasePreparedStatements: true,
  logLevel: 'info',
  logFormat: 'auto',
  cacheTtlMs: 60_000,
  negativeCacheTtlMs: 5_000,
  cacheMaxEntries: 100_000,
  appCacheTtlMs: 5_000,
  usageFlushIntervalMs: 1_000,
  changePollIntervalMs: 250,
  bodyLimitBytes: 64 * 1024,
  requestTimeoutMs: 30_000,
  shutdownTimeoutMs: 10_000,
  signatureSkewSeconds: 300,
  attestationChallengeTtlSeconds: 120,
  signatureMaxAgeSeconds: 300,
  nonceCacheMaxPerKey: 100_000,
  tokenIssuer: 'keyward',
  tokenMaxTtlSeconds: 86_400,
  signingKeyPublishDelaySeconds: DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS,
  sessionKeyTtlSeconds: 3600,
  sessionIdleTtlSeconds: 7 * 86_400,
  sessionAbsoluteTtlSeconds: 30 * 86_400,
  analyticsMinuteRetentionHours: 48,
  analyticsHourRetentionDays: 90,
  analyticsDayRetentionDays: 730,
  corsOrigins: [],
  anomalyMaxEntities: 100_000,
  anomalySnapshotIntervalMs: 60_000,
  consoleSessionTtlSeconds: 3600,
  attestationRevocationListUrl: '',
  attestationRevocationListFile: '',
  attestationRevocationRefreshSeconds: 3600,
  leakPublicKeysFile: '',
  leakPublicKeysUrl: '',
  leakPublicKeysCacheSeconds: 3600,
  webhookTimeoutMs: 10_000,
  webhookPollIntervalMs: 1_000,
  webhookAllowPrivateAddresses: false,
  webhookDeliveryRetentionDays: 30,
  webhookPruneIntervalMs: 3_600_000,
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Source = Readonly<Record<string, string | number | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** Values read from a config file (`--config`, config/config-file.ts), keyed like KeywardConfig. */
export interface ConfigFileValues {
  readonly path: string;
  readonly values: Partial<Record<keyof KeywardConfig, string | number>>;
}

/** Flags win over environment variables, which win over the config file, which wins over defaults. */
export function loadConfig(flags: Partial<Record<keyof KeywardConfig, string | number>> = {}, env: Source = process.env, file?: ConfigFileValues): KeywardConfig {
  const problems: string[] = [];
  const pick = (key: keyof KeywardConfig, envName: string): { value: string | number | undefined; from: string } => {
    if (flags[key] !== undefined) return { value: flags[key], from: `--${kebab(key)}` };
    if (env[envName] !== undefined && env[envName] !== '') return { value: env[envName], from: envName };
    if (file?.values[key] !== undefined) return { value: file.values[key], from: `${file.path}: ${key}` };
    return { value: undefined, from: '' };
  };
  const int = (key: keyof KeywardConfig, envName: string, min: number, max: number): number => {
    const { value, from } = pick(key, envName);
    if (value === undefined) return DEFAULT_CONFIG[key] as number;
    const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${from}=${String(value)}: must be an integer from ${min} to ${max}`);
      return DEFAULT_CONFIG[key] as number;
    }
    return n;
  };
  const str = (key: keyof KeywardConfig, envName: string): string => String(pick(key, envName).value ?? DEFAULT_CONFIG[key]);
  const bool = (key: keyof KeywardConfig, envName: string): boolean => {
    const { value, from } = pick(key, envName);
    if (value === undefined) return DEFAULT_CONFIG[key] as boolean;
    if (String(value) === 'true' || String(value) === '1') return true;
    if (String(value) === 'false' || String(value) === '0') return false;
    problems.push(`${from}=${String(value)}: must be true or false`);
    return DEFAULT_CONFIG[key] as boolean;
  };

  const logPick = pick('logLevel', 'KEYWARD_LOG_LEVEL');
  const logLevel = (logPick.value ?? DEFAULT_CONFIG.logLevel) as KeywardConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`${logPick.from}=${String(logPick.value)}: must be one of ${LOG_LEVELS.join(', ')}`);
  const formatPick = pick('logFormat', 'KEYWARD_LOG_FORMAT');
  const logFormat = (formatPick.value ?? DEFAULT_CONFIG.logFormat) as KeywardConfig['logFormat'];
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`${formatPick.from}=${String(formatPick.value)}: must be one of ${LOG_FORMATS.join(', ')}`);

  const corsPick = pick('corsOrigins', 'KEYWARD_CORS_ORIGINS');
  const corsOrigins = corsPick.value === undefined ? [] : String(corsPick.value).split(',').map((o) => o.trim()).filter((o) => o !== '');
  const badOrigins = corsOrigins.filter((o) => !isOriginEntry(o));
  if (badOrigins.length) problems.push(`${corsPick.from}: ${badOrigins.join(', ')}: each must be an origin like https://app.example.com (lowercase, no path) or *`);

  const clusterPick = pick('redisClusterNodes', 'KEYWARD_REDIS_CLUSTER_NODES');
  const redisClusterNodes = clusterPick.value === undefined ? [] : String(clusterPick.value).split(',').map((o) => o.trim()).filter((o) => o !== '');
  const badNodes = redisClusterNodes.filter((n) => !isHostPort(n));
  if (badNodes.length) problems.push(`${clusterPick.from}: ${badNodes.join(', ')}: each must be host:port, e.g. 10.0.0.5:6379`);

  const config: KeywardConfig = {
    corsOrigins,
    redisClusterNodes,
    host: str('host', 'KEYWARD_HOST'),
    port: int('port', 'KEYWARD_PORT', 0, 65535),
    dataDir: str('dataDir', 'KEYWARD_DATA'),
    databaseUrl: str('databaseUrl', 'KEYWARD_DATABASE_URL'),
    databasePoolSize: int('databasePoolSize', 'KEYWARD_DATABASE_POOL_SIZE', 1, 1000),
    databaseStatementTimeoutMs: int('databaseStatementTimeoutMs', 'KEYWARD_DATABASE_STATEMENT_TIMEOUT_MS', 0, 3_600_000),
    redisUrl: str('redisUrl', 'KEYWARD_REDIS_URL'),
    redisCommandTimeoutMs: int('redisCommandTimeoutMs', 'KEYWARD_REDIS_COMMAND_TIMEOUT_MS', 10, 60_000),
    redisConnectTimeoutMs: int('redisConnectTimeoutMs', 'KEYWARD_REDIS_CONNECT_TIMEOUT_MS', 100, 60_000),
    redisKeyPrefix: str('redisKeyPrefix', 'KEYWARD_REDIS_KEY_PREFIX'),
    clusterNodes: int('clusterNodes', 'KEYWARD_CLUSTER_NODES', 1, 1000),
    databaseConnectTimeoutMs: int('databaseConnectTimeoutMs', 'KEYWARD_DATABASE_CONNECT_TIMEOUT_MS', 100, 600_000),
    databasePreparedStatements: bool('databasePreparedStatements', 'KEYWARD_DATABASE_PREPARED_STATEMENTS'),
    logLevel,
    logFormat,
    cacheTtlMs: int('cacheTtlMs', 'KEYWARD_CACHE_TTL_MS', 0, 3_600_000),
    negativeCacheTtlMs: int('negativeCacheTtlMs', 'KEYWARD_NEGATIVE_CACHE_TTL_MS', 0, 600_000),
    cacheMaxEntries: int('cacheMaxEntries', 'KEYWARD_CACHE_MAX_ENTRIES', 1, 100_000_000),
    appCacheTtlMs: int('appCacheTtlMs', 'KEYWARD_APP_CACHE_TTL_MS', 0, 3_600_000),
    usageFlushIntervalMs: int('usageFlushIntervalMs', 'KEYWARD_USAGE_FLUSH_INTERVAL_MS', 0, 3_600_000),
    changePollIntervalMs: int('changePollIntervalMs', 'KEYWARD_CHANGE_POLL_INTERVAL_MS', 0, 60_000),
    bodyLimitBytes: int('bodyLimitBytes', 'KEYWARD_BODY_LIMIT_BYTES', 1024, 100 * 1024 * 1024),
    requestTimeoutMs: int('requestTimeoutMs', 'KEYWARD_REQUEST_TIMEOUT_MS', 100, 3_600_000),
    shutdownTimeoutMs: int('shutdownTimeoutMs', 'KEYWARD_SHUTDOWN_TIMEOUT_MS', 0, 600_000),
    signatureSkewSeconds: int('signatureSkewSeconds', 'KEYWARD_SIGNATURE_SKEW_SECONDS', 0, 3600),
    attestationChallengeTtlSeconds: int('attestationChallengeTtlSeconds', 'KEYWARD_ATTESTATION_CHALLENGE_TTL_SECONDS', 10, 600),
    signatureMaxAgeSeconds: int('signatureMaxAgeSeconds', 'KEYWARD_SIGNATURE_MAX_AGE_SECONDS', 1, 86_400),
    sessionKeyTtlSeconds: int('sessionKeyTtlSeconds', 'KEYWARD_SESSION_KEY_TTL_SECONDS', 1, 86_400),
    sessionIdleTtlSeconds: int('sessionIdleTtlSeconds', 'KEYWARD_SESSION_IDLE_TTL_SECONDS', 60, 365 * 86_400),
    sessionAbsoluteTtlSeconds: int('sessionAbsoluteTtlSeconds', 'KEYWARD_SESSION_ABSOLUTE_TTL_SECONDS', 60, 365 * 86_400),
    tokenIssuer: str('tokenIssuer', 'KEYWARD_TOKEN_ISSUER'),
    tokenMaxTtlSeconds: int('tokenMaxTtlSeconds', 'KEYWARD_TOKEN_MAX_TTL_SECONDS', 1, 7 * 86_400),
    signingKeyPublishDelaySeconds: int('signingKeyPublishDelaySeconds', 'KEYWARD_SIGNING_KEY_PUBLISH_DELAY_SECONDS', 0, 86_400),
    nonceCacheMaxPerKey: int('nonceCacheMaxPerKey', 'KEYWARD_NONCE_CACHE_MAX_PER_KEY', 100, 10_000_000),
    analyticsMinuteRetentionHours: int('analyticsMinuteRetentionHours', 'KEYWARD_ANALYTICS_MINUTE_RETENTION_HOURS', 1, 24 * 31),
    analyticsHourRetentionDays: int('analyticsHourRetentionDays', 'KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS', 1, 3 * 365),
    analyticsDayRetentionDays: int('analyticsDayRetentionDays', 'KEYWARD_ANALYTICS_DAY_RETENTION_DAYS', 1, 20 * 365),
    anomalyMaxEntities: int('anomalyMaxEntities', 'KEYWARD_ANOMALY_MAX_ENTITIES', 0, 10_000_000),
    anomalySnapshotIntervalMs: int('anomalySnapshotIntervalMs', 'KEYWARD_ANOMALY_SNAPSHOT_INTERVAL_MS', 0, 86_400_000),
    consoleSessionTtlSeconds: int('consoleSessionTtlSeconds', 'KEYWARD_CONSOLE_SESSION_TTL_SECONDS', 60, 86_400),
    attestationRevocationListUrl: str('attestationRevocationListUrl', 'KEYWARD_ATTESTATION_REVOCATION_LIST_URL'),
    attestationRevocationListFile: str('attestationRevocationListFile', 'KEYWARD_ATTESTATION_REVOCATION_LIST_FILE'),
    attestationRevocationRefreshSeconds: int('attestationRevocationRefreshSeconds', 'KEYWARD_ATTESTATION_REVOCATION_REFRESH_SECONDS', 60, 7 * 86_400),
    leakPublicKeysFile: str('leakPublicKeysFile', 'KEYWARD_LEAK_PUBLIC_KEYS_FILE'),
    leakPublicKeysUrl: str('leakPublicKeysUrl', 'KEYWARD_LEAK_PUBLIC_KEYS_URL'),
    leakPublicKeysCacheSeconds: int('leakPublicKeysCacheSeconds', 'KEYWARD_LEAK_PUBLIC_KEYS_CACHE_SECONDS', 60, 7 * 86_400),
    webhookTimeoutMs: int('webhookTimeoutMs', 'KEYWARD_WEBHOOK_TIMEOUT_MS', 100, 60_000),
    webhookPollIntervalMs: int('webhookPollIntervalMs', 'KEYWARD_WEBHOOK_POLL_INTERVAL_MS', 0, 3_600_000),
    webhookAllowPrivateAddresses: bool('webhookAllowPrivateAddresses', 'KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES'),
    webhookDeliveryRetentionDays: int('webhookDeliveryRetentionDays', 'KEYWARD_WEBHOOK_DELIVERY_RETENTION_DAYS', 1, 3650),
    webhookPruneIntervalMs: int('webhookPruneIntervalMs', 'KEYWARD_WEBHOOK_PRUNE_INTERVAL_MS', 0, 86_400_000),
  };
  const revUrl = pick('attestationRevocationListUrl', 'KEYWARD_ATTESTATION_REVOCATION_LIST_URL');
  if (revUrl.value !== undefined && !/^https?:\/\/[^\s/]+/.test(String(revUrl.value))) problems.push(`${revUrl.from}=${String(revUrl.value)}: must be an http(s) URL like https://android.googleapis.com/attestation/status`);
  if (config.attestationRevocationListUrl !== '' && config.attestationRevocationListFile !== '') {
    problems.push(`${revUrl.from} and ${pick('attestationRevocationListFile', 'KEYWARD_ATTESTATION_REVOCATION_LIST_FILE').from}: set the status list as a URL or as a file, not both`);
  }
  const leakUrl = pick('leakPublicKeysUrl', 'KEYWARD_LEAK_PUBLIC_KEYS_URL');
  if (leakUrl.value !== undefined && !/^https:\/\/[^\s]+$/.test(String(leakUrl.value))) problems.push(`${leakUrl.from}=${String(leakUrl.value)}: must be an https:// URL`);
  const hostPick = pick('host', 'KEYWARD_HOST');
  if (hostPick.value !== undefined && !isListenHost(String(hostPick.value))) problems.push(`${hostPick.from}=${String(hostPick.value)}: must be an IP address or a host name (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`);
  const dbPick = pick('databaseUrl', 'KEYWARD_DATABASE_URL');
  // The value is never echoed: a database URL usually carries a password.
  if (dbPick.value !== undefined && !isPostgresUrl(String(dbPick.value))) problems.push(`${dbPick.from}: must be a URL like postgres://user:password@host:5432/database (value not shown: it may hold a password)`);
  const redisPick = pick('redisUrl', 'KEYWARD_REDIS_URL');
  if (redisPick.value !== undefined && !isRedisUrl(String(redisPick.value))) problems.push(`${redisPick.from}: must be a URL like redis://:password@host:6379/0 or rediss://… (value not shown: it may hold a password)`);
  if (redisClusterNodes.length && config.redisUrl === '') problems.push(`${clusterPick.from} needs KEYWARD_REDIS_URL too: its host is the first node, and its user, password and TLS apply to every node`);
  if (redisClusterNodes.length && config.redisUrl !== '' && isRedisUrl(config.redisUrl) && !/^\/?0?$/.test(new URL(config.redisUrl).pathname)) {
    problems.push(`${redisPick.from}: a Redis Cluster has only database 0; remove the /<db> from the URL (value not shown: it may hold a password)`);
  }
  const prefixPick = pick('redisKeyPrefix', 'KEYWARD_REDIS_KEY_PREFIX');
  // Braces would break the hash tags that keep each script on one Cluster slot (state/redis/keys.ts).
  if (prefixPick.value !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(String(prefixPick.value))) problems.push(`${prefixPick.from}=${String(prefixPick.value)}: must be 1 to 64 letters, digits or _ . : -`);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** A `postgres:` or `postgresql:` URL with a host. */
export function isPostgresUrl(value: string): boolean {
  return isUrlWithHost(value, ['postgres:', 'postgresql:']);
}

/** `host:port` (a name, an IPv4 address or a bracketed IPv6 address, and a port 1–65535). */
export function isHostPort(value: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

/** A `redis:` or `rediss:` (TLS) URL with a host. */
export function isRedisUrl(value: string): boolean {
  return isUrlWithHost(value, ['redis:', 'rediss:']);
}

function isUrlWithHost(value: string, protocols: readonly string[]): boolean {
  try {
    const u = new URL(value);
    return protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}

/** An IPv4/IPv6 literal or an RFC 1123 host name; a dotted-number string that is no IPv4 address (999.1.1.1) is refused. */
export function isListenHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  if (/^[0-9.]+$/.test(host)) return false;
  return host.length <= 253 && /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host);
}

/** Loopback addresses: plain HTTP there never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
