import { loadConfig, type KeywardConfig } from '../config/config.js';
import { readConfigFile } from '../config/config-file.js';
import { createKeyward, type Keyward } from '../keyward.js';
import { createLogger } from '../observability/logger.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { KeywardError } from '../errors/keyward-error.js';
import { createOutput, type Output } from './output.js';
import { postgresStoreExists } from '../store/postgres/factory.js';

export interface GlobalOptions {
  readonly data?: string;
  readonly databaseUrl?: string;
  readonly json?: boolean;
  /** `--config FILE`: YAML with the settings of the KEYWARD_* variables (config/config-file.ts). */
  readonly config?: string;
}

/**
 * The configuration for a command: its flags, then KEYWARD_* variables, then `--config FILE`,
 * then defaults, through the one schema of config/config.ts. `--data` is the program's option,
 * so it is honoured before or after the command.
 */
export function cliConfig(globals: GlobalOptions, flags: Partial<Record<keyof KeywardConfig, string | number>> = {}, env: NodeJS.ProcessEnv = process.env): KeywardConfig {
  const file = globals.config !== undefined ? readConfigFile(globals.config) : undefined;
  return loadConfig({ ...storeFlags(globals), ...flags }, env, file);
}

/**
 * Opens the local store for a one-shot command: quiet logs, no background polling (webhook events
 * it queues are delivered by the running server, which polls the same outbox). A data
 * directory without a store is an error (only `init` and `start` create one), so a typo in
 * `--data` cannot silently open a new, empty store and make the data look lost.
 */
export async function openLocal(options: GlobalOptions, overrides: Partial<KeywardConfig> = {}, create = false): Promise<Keyward> {
  const config = cliConfig(options);
  if (!create && !(await storeExists(config))) throw new KeywardError('STORE_NOT_FOUND', `${storeName(config)}: check --data / KEYWARD_DATA / KEYWARD_DATABASE_URL, or run \`keyward init\` there`);
  return createKeyward({
    // No Redis for one-shot commands: an operator must be able to revoke a key while Redis is down,
    // and nothing they do needs the shared limits or replay cache. They queue webhook events; the server delivers them.
    config: { ...config, changePollIntervalMs: 0, usageFlushIntervalMs: 0, redisUrl: '', webhookPollIntervalMs: 0, ...overrides },
    logger: createLogger('silent'),
    watchChanges: false,
  });
}

export const CLI_ACTOR = { actor: 'cli', requestId: 'cli' } as const;

/** Runs a one-shot command against the local store: opens it, hands over an output, always closes. */
export async function withLocal(cmd: Command, run: (kw: Keyward, out: Output, globals: GlobalOptions) => Promise<void>, options: { readonly create?: boolean } = {}): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(globals.json));
  const kw = await openLocal(globals, {}, options.create ?? false);
  try {
    await run(kw, out, globals);
  } finally {
    await kw.close();
  }
}

/** The global store flags (`--data`, `--database-url`) as config flags. */
export function storeFlags(globals: GlobalOptions): { dataDir?: string; databaseUrl?: string } {
  return { ...(globals.data ? { dataDir: globals.data } : {}), ...(globals.databaseUrl ? { databaseUrl: globals.databaseUrl } : {}) };
}

/**
 * Whether the configured store exists: the SQLite file, or on PostgreSQL the migrations table
 * that `init` or `start` creates (an unreachable database is STORE_UNAVAILABLE, not "missing").
 */
export async function storeExists(config: Pick<KeywardConfig, 'dataDir' | 'databaseUrl' | 'databasePoolSize' | 'databaseStatementTimeoutMs'>): Promise<boolean> {
  if (config.databaseUrl) return postgresStoreExists({ url: config.databaseUrl, poolSize: 1, statementTimeoutMs: config.databaseStatementTimeoutMs });
  return config.dataDir === ':memory:' || existsSync(path.join(config.dataDir, 'keyward.db'));
}

/** Where the missing store was looked for, for STORE_NOT_FOUND (never the database password). */
export function storeName(config: Pick<KeywardConfig, 'dataDir' | 'databaseUrl'>): string {
  return config.databaseUrl ? `no Keyward store in the PostgreSQL database of KEYWARD_DATABASE_URL` : `no Keyward store in ${config.dataDir}`;
}
