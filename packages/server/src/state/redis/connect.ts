import { Cluster, Redis } from 'ioredis';
import { KeywardError } from '../../errors/keyward-error.js';
import { SCRIPTS } from './scripts.js';

/** The commands `defineCommand` adds (each runs by EVALSHA, falling back to EVAL on NOSCRIPT). */
interface KeywardCommands {
  kwConsumeAll(numKeys: number, ...args: (string | number)[]): Promise<string[][]>;
  kwNonce(key: string, nonce: string, expiresAtMs: string, nowMs: string, maxPerKey: string): Promise<string>;
  kwTake(key: string): Promise<string | null>;
  kwUsageAdd(counts: string, lastUsed: string, ...triples: string[]): Promise<number>;
  kwUsageTake(counts: string, lastUsed: string, stagedCounts: string, stagedLastUsed: string, lock: string, token: string, leaseMs: string): Promise<[string[], string[]] | null>;
  kwUsageDone(stagedCounts: string, stagedLastUsed: string, lock: string, token: string, written: '0' | '1'): Promise<number>;
}

/**
 * One Redis endpoint or a Redis Cluster: the same commands on both. On a Cluster every script's
 * keys share one hash tag (state/redis/keys.ts), so each call is routed to the one shard owning it.
 */
export type KeywardRedis = (Redis | Cluster) & KeywardCommands;

export interface RedisConnection {
  readonly client: KeywardRedis;
  readonly keyPrefix: string;
  /** Whether the connection is up right now (commands issued while it is down fail at once). */
  available(): boolean;
  /** One PING within the command timeout (readiness); rejects at once while disconnected. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisOptions {
  readonly url: string;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly keyPrefix: string;
  /**
   * Redis Cluster seeds besides the URL's host (`host:port`): when given, the client is ioredis's
   * Cluster client, reaching every node with the URL's user, password and TLS.
   */
  readonly clusterNodes?: readonly string[];
}

/** After start-up, reconnection is tried at most this far apart, so shared state resumes soon after Redis returns. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * Connects, PINGs and loads every script before anything else starts: a wrong URL or password,
 * an unreachable host or a Redis that refuses Lua stops start-up with a message naming
 * KEYWARD_REDIS_URL (never its password), and nothing is left half-configured.
 *
 * Afterwards every command is bounded: `commandTimeoutMs` per command, no offline queue (a
 * command while disconnected fails at once instead of queueing without bound), a silent socket
 * dropped after two command timeouts, no resending on reconnect, and reconnection every ≤ 1 s in
 * the background.
 */
export async function connectRedis(options: RedisOptions): Promise<RedisConnection> {
  let started = false;
  // At start-up a failure is final (the caller stops); afterwards keep reconnecting.
  const retry = (times: number) => (started ? Math.min(100 * times, MAX_RECONNECT_DELAY_MS) : null);
  const bounds = {
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    // A Redis that accepts but never answers (hung, stopped, a black-holed route): after two
    // command timeouts of silence the socket is dropped, so commands fail at once instead of
    // piling up in the client's queue for replies that will not come.
    socketTimeout: 2 * options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  const cluster = options.clusterNodes !== undefined && options.clusterNodes.length > 0;
  const client = (cluster ? clusterClient(options, bounds, retry) : new Redis(options.url, { ...bounds, lazyConnect: true, enableOfflineQueue: false, retryStrategy: retry })) as KeywardRedis;
  // Errors reach the caller of each command; without a listener ioredis would print them itself.
  // The last one is kept for the start-up message: a refused AUTH surfaces to connect() only as
  // "Connection is closed".
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  for (const [name, { lua, numberOfKeys }] of Object.entries(SCRIPTS)) client.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  const where = `${describeRedisUrl(options.url)}${cluster ? ` (a Cluster, seeds from KEYWARD_REDIS_CLUSTER_NODES: ${options.clusterNodes!.join(', ')})` : ''}`;
  const password = safePassword(options.url);
  const fail = (what: string, err: unknown): KeywardError => {
    client.disconnect();
    const reason = scrub([lastError?.message, (err as Error).message ?? String(err)].filter((m, i, all) => m && all.indexOf(m) === i).join('; '), password);
    return new KeywardError('SHARED_STATE_UNAVAILABLE', `KEYWARD_REDIS_URL (--redis-url): ${what} Redis at ${where}: ${reason}`, { cause: err });
  };
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw fail('cannot connect to', err);
  }
  try {
    // On a Cluster every master must run the scripts (each owns some of the slots): load on each,
    // so a node that refuses Lua stops start-up instead of failing the calls routed to it later.
    const targets: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of targets) for (const { lua } of Object.values(SCRIPTS)) await node.script('LOAD', lua);
  } catch (err) {
    throw fail('Keyward needs Lua scripts (EVAL, EVALSHA and SCRIPT, not renamed or denied by an ACL), refused by', err);
  }
  started = true;
  return {
    client,
    keyPrefix: options.keyPrefix,
    available: () => client.status === 'ready',
    async ping() {
      await client.ping();
    },
    async close() {
      started = false;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * ioredis's Cluster client seeded with the URL's host and `clusterNodes`. Node connections are
 * made with the URL's credentials and TLS and the same per-command bounds as a single endpoint;
 * the cluster's own queue is off, so a command while the slot map is unknown fails at once.
 */
function clusterClient(options: RedisOptions, bounds: Record<string, unknown>, retry: (times: number) => number | null): Cluster {
  const u = new URL(options.url);
  const seeds = [`${u.hostname}:${u.port || '6379'}`, ...(options.clusterNodes ?? [])].map((hp) => {
    const at = hp.lastIndexOf(':');
    return { host: hp.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hp.slice(at + 1)) };
  });
  return new Cluster(seeds, {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: retry,
    slotsRefreshTimeout: options.connectTimeoutMs,
    // A moved slot (resharding, failover) is followed a few times, each bounded by the command timeout.
    maxRedirections: 8,
    redisOptions: {
      ...bounds,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}

/** host:port/db as user, without the password. */
export function describeRedisUrl(url: string): string {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '') || '0';
  return `${u.hostname}:${u.port || '6379'}/${db}${u.username ? ` as ${decodeURIComponent(u.username)}` : ''}${u.protocol === 'rediss:' ? ' (TLS)' : ''}`;
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** Error texts never carry the password, even if a server or a library were to echo it. */
function scrub(message: string, password: string): string {
  return password ? message.split(password).join('***') : message;
}
