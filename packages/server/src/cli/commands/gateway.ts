import { AppCorsOrigins } from '../../apps/cors-origins.js';
import { gatewayCors } from '../../gateway/cors.js';
import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { createGatewayPolicy } from '../../gateway/policy.js';
import { peerIsTrusted } from '../../gateway/forwarded.js';
import { resolveLimits } from '../../gateway/options.js';
import { createGateway, type GatewayOptions } from '../../gateway/proxy.js';
import type { GatewayPolicy } from '../../gateway/types.js';
import type { Logger } from 'pino';
import { isListenHost, isLoopbackHost } from '../../config/config.js';
import { cliConfig, storeExists, storeName, type GlobalOptions } from '../context.js';
import { createKeyward } from '../../keyward.js';
import { compileAccessMap } from '../../policy/evaluate.js';
import { readAccessMap } from '../../policy/load.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { createReloadingPolicy } from '../../gateway/reload.js';
import { adminAddress, listenOrExplain, reloadOnChange, reportReload, startAdmin } from './gateway-ops.js';
import { compileTrust, resolveClientIp, type ProxyTrust } from '../../ratelimit/client-ip.js';

const int = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new KeywardError('VALIDATION_FAILED', `${name} must be a whole number`);
  return Number(v);
};

/** Client-side limits settable by flag, in GatewayOptions' names (each validated by resolveLimits). */
const LIMIT_FLAGS = [
  ['--client-headers-timeout-ms <ms>', 'clientHeadersTimeoutMs', 'time for a client to send its request headers, then 408 (default 10000)'],
  ['--client-request-timeout-ms <ms>', 'clientRequestTimeoutMs', 'time for a client to send its whole request, a backstop (default 120000)'],
  ['--body-min-bytes-per-second <n>', 'bodyMinBytesPerSecond', 'least request-body rate over each window, then 408 (default 512)'],
  ['--body-rate-window-ms <ms>', 'bodyRateWindowMs', 'window the body rate is measured over (default 10000)'],
  ['--body-deadline-ms <ms>', 'bodyDeadlineMs', 'longest a request body may take, then 408 (default 60000)'],
  ['--max-in-flight-per-client <n>', 'maxInFlightPerClient', 'requests one client address may have in flight (default half of the upstream pool)'],
  ['--max-in-flight-per-credential <n>', 'maxInFlightPerCredential', 'requests one credential may have in flight (default 3/4 of --upstream-connections)'],
  ['--upstream-connections <n>', 'upstreamConnections', 'connections to the upstream (default 128)'],
] as const;

type LimitName = (typeof LIMIT_FLAGS)[number][1];

/** Stands in for the real policy while the limits are validated, before the store is opened. */
const REFUSE_ALL: GatewayPolicy = { needsBody: () => false, decide: async () => ({ allow: false, code: 'ACCESS_DENIED' }) };

/** The gateway's log lines, as the command writes them (request paths are masked by the gateway). */
export function gatewayLogHooks(logger: Logger): Pick<GatewayOptions, 'onError' | 'onRequest'> {
  return {
    onError: (err, requestId) => logger.error({ err, requestId }, 'gateway error'),
    onRequest: (info) => logger.info(info, 'gateway request'),
  };
}

export function gatewayCommand(program: Command): void {
  const command = program
    .command('gateway')
    .description('Run the gateway: a reverse proxy that enforces the access map in front of your API')
    .requiredOption('--upstream <url>', 'the API behind the gateway, e.g. http://127.0.0.1:3000')
    .requiredOption('--policy <file>', 'the access map (YAML or JSON)')
    .option('-p, --port <port>', 'port (env KEYWARD_GATEWAY_PORT, default 8788)', int('--port'))
    .option('--host <host>', 'address to bind (default 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--app <appId>', 'accept only credentials of this app')
    .option('--audience <aud>', 'the aud a token credential must carry where the access map names no audience')
    .option('--env <environment>', 'accept only credentials of this environment (live|test)')
    .option('--trust-proxy-hops <n>', 'trust this many X-Forwarded-For hops (load balancers in front)', int('--trust-proxy-hops'))
    .option('--trust-proxy-cidrs <list>', 'trust X-Forwarded-For from these proxy CIDRs (comma-separated)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; reloaded when it changes)')
    .option('--tls-key <file>', 'private key for --tls-cert')
    .option('--request-client-cert', 'ask clients for a certificate (for keys bound to one)')
    .option('--connect-timeout-ms <ms>', 'upstream connect timeout (default 5000)', int('--connect-timeout-ms'))
    .option('--headers-timeout-ms <ms>', 'upstream response headers timeout (default 30000)', int('--headers-timeout-ms'))
    .option('--body-timeout-ms <ms>', 'upstream body silence timeout (default 30000)', int('--body-timeout-ms'))
    .option('--admin-port <port>', 'serve GET /metrics and /healthz on this port (env KEYWARD_GATEWAY_ADMIN_PORT; default: not served)', int('--admin-port'))
    .option('--admin-host <host>', 'address for the admin port (default 127.0.0.1)')
    .option('--no-watch-policy', 'do not reload the access map when its file changes (SIGHUP still reloads it)')
    .option('--log-format <format>', 'auto|json|pretty: auto is readable on a terminal, JSON lines otherwise (env KEYWARD_LOG_FORMAT)')
    .option('--redis-url <url>', 'shared rate limits, replay cache and single-use state in Redis, redis://:password@host:6379/0 (env KEYWARD_REDIS_URL, preferred: argv is visible to other users)');
  for (const [flag, , help] of LIMIT_FLAGS) command.option(flag, help, int(flag.split(' ')[0]!));
  command
    .action(async (opts: Partial<Record<LimitName, number>> & {
      upstream: string; policy: string; port?: number; host?: string; app?: string; env?: string; audience?: string;
      trustProxyHops?: number; trustProxyCidrs?: string; tlsCert?: string; tlsKey?: string; requestClientCert?: boolean;
      connectTimeoutMs?: number; headersTimeoutMs?: number; bodyTimeoutMs?: number; logFormat?: string; redisUrl?: string;
      adminPort?: number; adminHost?: string; watchPolicy: boolean;
    }, cmd: Command) => {
      let upstreamUrl: URL | undefined;
      try {
        upstreamUrl = new URL(opts.upstream);
      } catch {
        // reported below
      }
      // `localhost:3000` parses as a URL with the scheme "localhost:": only http and https are upstreams.
      if (!upstreamUrl || (upstreamUrl.protocol !== 'http:' && upstreamUrl.protocol !== 'https:') || !upstreamUrl.hostname) throw new KeywardError('CONFIG_INVALID', `--upstream ${opts.upstream}: must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:3000`);
      const envPort = process.env.KEYWARD_GATEWAY_PORT;
      if (opts.port === undefined && envPort !== undefined && envPort !== '' && !/^\d{1,5}$/.test(envPort)) throw new KeywardError('CONFIG_INVALID', `KEYWARD_GATEWAY_PORT=${envPort}: must be an integer from 0 to 65535`);
      const port = opts.port ?? (envPort ? Number(envPort) : 8788);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KeywardError('CONFIG_INVALID', `${opts.port !== undefined ? '--port' : 'KEYWARD_GATEWAY_PORT'}=${port}: must be an integer from 0 to 65535`);
      const host = opts.host ?? '127.0.0.1';
      if (!isListenHost(host)) throw new KeywardError('CONFIG_INVALID', `--host ${host}: must be an IP address or a host name`);
      const admin = adminAddress(opts, port);
      if (opts.env !== undefined && opts.env !== 'live' && opts.env !== 'test') throw new KeywardError('VALIDATION_FAILED', '--env must be live or test');
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new KeywardError('VALIDATION_FAILED', '--tls-cert and --tls-key go together');
      const limitOptions: Partial<GatewayOptions> = Object.fromEntries(LIMIT_FLAGS.filter(([, name]) => opts[name] !== undefined).map(([, name]) => [name, opts[name]]));
      resolveLimits({ upstreamUrl: opts.upstream, policy: REFUSE_ALL, clientIp: () => '', ...limitOptions }); // checked before any state is opened
      const loaded = readAccessMap(opts.policy);
      const initialMap = compileAccessMap(loaded.map);
      const config = cliConfig(cmd.optsWithGlobals<GlobalOptions>(), { ...(opts.logFormat ? { logFormat: opts.logFormat } : {}), ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}) });
      if (!(await storeExists(config))) throw new KeywardError('STORE_NOT_FOUND', `${storeName(config)}: the gateway verifies against the store \`keyward start\` (or \`keyward init\`) created; check --data / KEYWARD_DATA`);
      const kw = await createKeyward({ config, defaultMetrics: true });
      const trust: ProxyTrust = opts.trustProxyHops !== undefined ? { hops: opts.trustProxyHops } : opts.trustProxyCidrs ? { cidrs: opts.trustProxyCidrs.split(',').map((s) => s.trim()) } : 'none';
      const compiledTrust = compileTrust(trust);
      // Browser callers: the CORS origins of the fronted app (--app), or of any app.
      const corsOrigins = new AppCorsOrigins(kw.store);
      await corsOrigins.refresh();
      const corsReadFailed = (err: unknown) => kw.logger.error({ err }, 'reading the apps\' CORS origins failed; keeping the previous ones');
      corsOrigins.start(kw.config.appCacheTtlMs, corsReadFailed);
      corsOrigins.follow(kw.feed, corsReadFailed); // an app changed on a node or by the CLI
      const metrics = new GatewayMetrics(kw.metrics.registry);
      // Every map (the first and each reload) gets a policy built the same way; the swap is atomic (gateway/reload.ts).
      const policy = createReloadingPolicy({
        file: opts.policy,
        initial: { map: initialMap, text: loaded.text },
        build: (map) => createGatewayPolicy({ kw, map, limits: kw.limits, ...(opts.app ? { appId: opts.app } : {}), ...(opts.audience ? { audience: opts.audience } : {}), ...(opts.env ? { environment: opts.env as 'live' | 'test' } : {}) }),
        onReload: reportReload(metrics, kw.logger),
      });
      const gateway = createGateway({
        upstreamUrl: opts.upstream,
        policy,
        cors: gatewayCors(corsOrigins, opts.app ? { appId: opts.app } : {}),
        clientIp: (req) => resolveClientIp(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], compiledTrust),
        peerTrusted: (req) => peerIsTrusted(req.socket.remoteAddress ?? '', compiledTrust),
        ...limitOptions,
        ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
        ...(opts.headersTimeoutMs ? { headersTimeoutMs: opts.headersTimeoutMs } : {}),
        ...(opts.bodyTimeoutMs ? { bodyTimeoutMs: opts.bodyTimeoutMs } : {}),
        ...(opts.tlsCert && opts.tlsKey ? { tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey, requestClientCert: Boolean(opts.requestClientCert) } } : {}),
        ...gatewayLogHooks(kw.logger),
        observer: metrics,
      });
      let adminServer: { close(): Promise<void> } | undefined;
      try {
        await listenOrExplain(gateway.server, port, host, '--port');
        if (admin) adminServer = await startAdmin(admin, kw.metrics.registry, kw.logger);
      } catch (err) {
        corsOrigins.stop();
        await gateway.close().catch(() => {});
        await kw.close();
        throw err;
      }
      const stopReloading = reloadOnChange(policy, kw.logger, opts.watchPolicy);
      if (!opts.tlsCert && !isLoopbackHost(host)) kw.logger.warn({ host }, 'gateway serving plain HTTP on a non-loopback address: credentials cross the network unencrypted');
      const bound = gateway.server.address();
      kw.logger.info({ port: typeof bound === 'object' && bound ? bound.port : port, upstream: opts.upstream, upstreams: Object.keys(initialMap.map.upstreams), policy: opts.policy, resources: initialMap.map.resources.length, tls: Boolean(opts.tlsCert) }, 'keyward gateway listening');
      const shutdown = async () => {
        corsOrigins.stop();
        stopReloading();
        await adminServer?.close();
        await gateway.close();
        await kw.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown());
      process.on('SIGTERM', () => void shutdown());
    });
}
