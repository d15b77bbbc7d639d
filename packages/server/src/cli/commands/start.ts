import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Command } from 'commander';
import { ensureRootKey } from '../../bootstrap.js';
import { isLoopbackHost } from '../../config/config.js';
import { cliConfig, type GlobalOptions } from '../context.js';
import { buildServer } from '../../http/server.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { createKeyward } from '../../keyward.js';
import { compileAccessMap } from '../../policy/evaluate.js';
import { readAccessMap } from '../../policy/load.js';
import { MapReloadCounter } from '../../gateway/metrics.js';
import { createReloadingMap } from '../../gateway/reload.js';
import { reloadOnChange, reportReload } from './gateway-ops.js';

export function startCommand(program: Command): void {
  program
    .command('start')
    .description('Start the Keyward server on the embedded SQLite store, or on PostgreSQL with --database-url')
    .option('-p, --port <port>', 'port to listen on (env KEYWARD_PORT, default 8787)')
    .option('--host <host>', 'address to bind (env KEYWARD_HOST, default 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env KEYWARD_LOG_LEVEL)')
    .option('--log-format <format>', 'auto|json|pretty: auto is readable on a terminal, JSON lines otherwise (env KEYWARD_LOG_FORMAT)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; reloaded when it changes)')
    .option('--tls-key <file>', 'private key for --tls-cert')
    .option('--request-client-cert', 'ask clients for a certificate (for keys bound to one)')
    .option('--policy <file>', 'an access map, for GET /v1/keys/{keyId}/access, GET /v1/policy and POST /v1/policy/explain (the dashboard shows and explains it); reloaded on SIGHUP and when it changes, as the gateway does')
    .option('--no-watch-policy', 'do not reload the access map when its file changes (SIGHUP still reloads it)')
    .option('--redis-url <url>', 'shared rate limits, replay cache and single-use state in Redis, redis://:password@host:6379/0 (env KEYWARD_REDIS_URL, preferred: argv is visible to other users)')
    .option('--leak-public-keys-file <file>', 'reporter public keys for POST /v1/leaks, GitHub /meta/public_keys/secret_scanning format (env KEYWARD_LEAK_PUBLIC_KEYS_FILE)')
    .option('--leak-public-keys-url <url>', 'the same document fetched over https and cached (env KEYWARD_LEAK_PUBLIC_KEYS_URL)')
    .action(async (opts: { port?: string; host?: string; logLevel?: string; logFormat?: string; tlsCert?: string; tlsKey?: string; requestClientCert?: boolean; policy?: string; watchPolicy: boolean; redisUrl?: string; leakPublicKeysFile?: string; leakPublicKeysUrl?: string }, cmd: Command) => {
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new KeywardError('VALIDATION_FAILED', '--tls-cert and --tls-key go together');
      const config = cliConfig(cmd.optsWithGlobals<GlobalOptions>(), {
        ...(opts.port ? { port: opts.port } : {}),
        ...(opts.host ? { host: opts.host } : {}),
        ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
        ...(opts.logFormat ? { logFormat: opts.logFormat } : {}),
        ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
        ...(opts.leakPublicKeysFile ? { leakPublicKeysFile: opts.leakPublicKeysFile } : {}),
        ...(opts.leakPublicKeysUrl ? { leakPublicKeysUrl: opts.leakPublicKeysUrl } : {}),
      });
      // Loaded (and refused if invalid) before any state is created.
      const loaded = opts.policy ? readAccessMap(opts.policy) : undefined;
      const initialMap = loaded ? compileAccessMap(loaded.map) : undefined;
      const kw = await createKeyward({ config, defaultMetrics: true });
      // The same reload machinery as `keyward gateway` (gateway/reload.ts, cli/commands/gateway-ops.ts):
      // an invalid new map is refused with a log line and a metric, and the old one keeps serving.
      const reloading =
        opts.policy && loaded && initialMap
          ? createReloadingMap({ file: opts.policy, initial: { map: initialMap, text: loaded.text }, build: () => undefined, onReload: reportReload(new MapReloadCounter(kw.metrics.registry, 'keyward_api_map_reloads_total'), kw.logger) })
          : undefined;
      const root = await ensureRootKey(kw);
      if (root.created) {
        process.stderr.write(
          [
            '',
            '  Keyward created its first root key. It is shown ONCE; store it in your secret manager now:',
            '',
            `    ${root.secret}`,
            '',
            `  (key id ${root.keyId}; lost it? run \`keyward init --new-root-key\` on this data directory)`,
            '',
          ].join('\n'),
        );
      }
      const server = await buildServer(kw, {
        ...(opts.tlsCert && opts.tlsKey ? { tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey, requestClientCert: Boolean(opts.requestClientCert) } } : {}),
        ...(reloading ? { accessMap: () => reloading.current } : {}),
      });
      let address: string;
      try {
        address = await server.listen({ port: config.port, host: config.host });
      } catch (err) {
        await kw.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new KeywardError('ADDRESS_IN_USE', `${config.host}:${config.port} is already in use: stop the other process or choose --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new KeywardError('CONFIG_INVALID', `--host ${config.host}: this machine has no such address`);
        if (code === 'EACCES') throw new KeywardError('CONFIG_INVALID', `--port ${config.port}: not permitted (ports below 1024 need privileges)`);
        throw err;
      }
      // Fastify names the scheme from its own options; the TLS listener is made by serverFactory.
      if (opts.tlsCert) address = address.replace(/^http:/, 'https:');
      if (!opts.tlsCert && !isLoopbackHost(config.host)) {
        kw.logger.warn({ host: config.host }, 'serving plain HTTP on a non-loopback address: keys and tokens cross the network unencrypted; use --tls-cert/--tls-key or a TLS-terminating proxy');
      }
      const stopReloading = reloading ? reloadOnChange(reloading, kw.logger, opts.watchPolicy) : () => {};
      kw.logger.info({ address, data: config.dataDir, store: kw.store.backend, ...(opts.policy ? { policy: opts.policy, resources: initialMap!.map.resources.length } : {}) }, 'keyward listening');
      const sockets = trackConnections(server.server);
      let closing = false;
      // Graceful shutdown: stop accepting, close idle keep-alive connections at once (waiting out
      // their keep-alive timeout took 75 s), let running requests finish within
      // shutdownTimeoutMs, then cut what is left; flush usage counters and exit 0.
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        stopReloading();
        kw.logger.info({ signal, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutting down');
        const http = server.server;
        const deadline = setTimeout(() => http.closeAllConnections(), config.shutdownTimeoutMs);
        deadline.unref();
        const closed = server.close();
        sockets.closeIdle();
        // Connections that finish their request while closing become idle: close those too.
        const sweep = setInterval(() => sockets.closeIdle(), 100);
        sweep.unref();
        await closed;
        clearInterval(sweep);
        clearTimeout(deadline);
        await kw.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}

/**
 * Which connections are serving a request. Node's closeIdleConnections() leaves alone a
 * connection that was opened but never sent a request (and would hold shutdown until the
 * headers timeout), so shutdown destroys every connection without a request in flight.
 */
function trackConnections(http: HttpServer): { closeIdle(): void } {
  const open = new Set<Socket>();
  const busy = new Map<Socket, number>();
  http.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
    });
  });
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (busy.get(socket) ?? 1) - 1;
      if (n <= 0) busy.delete(socket);
      else busy.set(socket, n);
    });
  });
  return {
    closeIdle() {
      for (const socket of open) if (!busy.has(socket)) socket.destroy();
    },
  };
}
