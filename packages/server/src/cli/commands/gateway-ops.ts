import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { isListenHost } from '../../config/config.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { createAdminServer } from '../../gateway/admin.js';
import type { ReloadingMap, ReloadingMapOptions, ReloadOutcome } from '../../gateway/reload.js';
import type { Registry } from 'prom-client';

export interface AdminAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `--admin-port` / KEYWARD_GATEWAY_ADMIN_PORT and `--admin-host` (default 127.0.0.1), checked
 * before any state is opened. Undefined when no admin port is set: metrics are then not served.
 * The admin port may not be the public one: metrics never share the proxy's listener.
 */
export function adminAddress(opts: { adminPort?: number; adminHost?: string }, publicPort: number, env: NodeJS.ProcessEnv = process.env): AdminAddress | undefined {
  const raw = env.KEYWARD_GATEWAY_ADMIN_PORT;
  if (opts.adminPort === undefined && raw !== undefined && raw !== '' && !/^\d{1,5}$/.test(raw)) throw new KeywardError('CONFIG_INVALID', `KEYWARD_GATEWAY_ADMIN_PORT=${raw}: must be an integer from 0 to 65535`);
  const port = opts.adminPort ?? (raw ? Number(raw) : undefined);
  if (port === undefined) {
    if (opts.adminHost !== undefined) throw new KeywardError('CONFIG_INVALID', '--admin-host needs --admin-port (or KEYWARD_GATEWAY_ADMIN_PORT)');
    return undefined;
  }
  const name = opts.adminPort !== undefined ? '--admin-port' : 'KEYWARD_GATEWAY_ADMIN_PORT';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KeywardError('CONFIG_INVALID', `${name}=${port}: must be an integer from 0 to 65535`);
  if (port !== 0 && port === publicPort) throw new KeywardError('CONFIG_INVALID', `${name}=${port}: the admin port must differ from the gateway's public port`);
  const host = opts.adminHost ?? '127.0.0.1';
  if (!isListenHost(host)) throw new KeywardError('CONFIG_INVALID', `--admin-host ${host}: must be an IP address or a host name`);
  return { host, port };
}

/** Listens, or fails with a clear KeywardError (port in use, no such address). */
export async function listenOrExplain(server: Server, port: number, host: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new KeywardError('ADDRESS_IN_USE', `${host}:${port} is already in use: stop the other process or choose ${flag}`);
    if (err.code === 'EADDRNOTAVAIL') throw new KeywardError('CONFIG_INVALID', `${host}: this machine has no such address (${flag})`);
    throw err;
  });
}

/** Starts the admin listener; returns its close function. */
export async function startAdmin(address: AdminAddress, registry: Registry, logger: Logger): Promise<{ close(): Promise<void> }> {
  const admin = createAdminServer({ registry });
  await listenOrExplain(admin, address.port, address.host, '--admin-port');
  const bound = admin.address();
  logger.info({ admin: typeof bound === 'object' && bound ? `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${bound.port}` : address.host }, 'keyward gateway admin listening (GET /metrics, /healthz)');
  return {
    close: () => new Promise<void>((resolve) => {
      admin.closeAllConnections();
      admin.close(() => resolve());
    }),
  };
}

/**
 * Map reloads: on SIGHUP and on changes to the file. Each outcome is counted and logged; a refused
 * map is logged as POLICY_INVALID with every problem found, and the map already serving stays.
 */
export function reloadOnChange(policy: Pick<ReloadingMap, 'reload' | 'watch'>, logger: Logger, watchFile: boolean): () => void {
  const stopWatching = watchFile ? policy.watch() : () => {};
  const onSignal = () => void policy.reload('signal').catch((err: unknown) => logger.error({ err }, 'access map reload failed'));
  process.on('SIGHUP', onSignal);
  return () => {
    stopWatching();
    process.off('SIGHUP', onSignal);
  };
}

/** The `onReload` hook: counts and logs each outcome. */
export function reportReload(metrics: { reloaded(result: ReloadOutcome): void }, logger: Logger): NonNullable<ReloadingMapOptions<unknown>['onReload']> {
  return (result, trigger) => {
    metrics.reloaded(result);
    if (result.outcome === 'applied') logger.info({ trigger, resources: result.resources }, 'access map reloaded');
    else if (result.outcome === 'refused') logger.error({ code: 'POLICY_INVALID', trigger, problems: result.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`) }, 'access map reload refused: the previous map stays in force');
    else logger.debug({ trigger }, 'access map unchanged');
  };
}
