#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { isKeywardError } from '../errors/keyward-error.js';
import { PolicyLoadError } from '../policy/load.js';
import { appsCommand } from './commands/apps.js';
import { auditCommand } from './commands/audit.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { secretsCommand } from './commands/secrets.js';
import { startCommand } from './commands/start.js';
import { extraCommands } from './extra-commands.js';
import { VERSION } from '../version.js';

/**
 * `keyward` — exit codes: 0 success, 1 a negative answer (key not valid, chain broken),
 * 2 usage or input error, 3 unexpected failure.
 */
export function buildProgram(): Command {
  const program = new Command('keyward')
    .description('Keyward: a self-hosted security layer for the APIs behind mobile apps')
    .option('-d, --data <dir>', 'data directory (env KEYWARD_DATA, default ./.keyward)')
    .option('--database-url <url>', 'PostgreSQL store, postgres://user:password@host:5432/db (env KEYWARD_DATABASE_URL, preferred: argv is visible to other users); default the SQLite store in --data')
    .option('--json', 'machine-readable output')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    .exitOverride();
  startCommand(program);
  initCommand(program);
  appsCommand(program);
  keysCommand(program);
  auditCommand(program);
  secretsCommand(program);
  for (const add of extraCommands) add(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const json = argv.includes('--json');
    if (isKeywardError(err) || err instanceof ConfigError || err instanceof PolicyLoadError) {
      const code = isKeywardError(err) ? err.code : err instanceof PolicyLoadError ? 'POLICY_INVALID' : 'CONFIG_INVALID';
      const detail = isKeywardError(err) ? (err.detail ?? err.code) : err.message;
      process.stderr.write(json ? `${JSON.stringify({ error: { code, detail } })}\n` : `error ${code}: ${detail}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 3;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) await main(process.argv.slice(2));
