#!/usr/bin/env node
import { Command } from 'commander';
import { appsCommand } from './commands/apps.js';
import { auditCommand } from './commands/audit.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { secretsCommand } from './commands/secrets.js';
import { startCommand } from './commands/start.js';
import { completionCommand } from './commands/completion.js';
import { toCliError, renderError } from './errors.js';
import { extraCommands } from './extra-commands.js';
import { VERSION } from '../version.js';

/**
 * `keyward` — exit codes: 0 success, 1 a negative answer (key not valid, chain broken),
 * 2 usage or input error, 3 unexpected failure.
 */
export function buildProgram(options: { readonly json?: boolean } = {}): Command {
  const program = new Command('keyward')
    .description('Keyward: a self-hosted security layer for the APIs behind mobile apps')
    .option('-d, --data <dir>', 'data directory (env KEYWARD_DATA, default ./.keyward)')
    .option('-c, --config <file>', 'YAML file with the settings of the KEYWARD_* variables (they and flags override it)')
    .option('--json', 'machine-readable output: one JSON document on stdout, errors as {"error": …} on stderr')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .exitOverride();
  // With --json a usage error is printed once, in the one error shape (main), not as commander's text.
  if (options.json) program.configureOutput({ outputError: () => {} });
  else program.showHelpAfterError('(add --help for usage)');
  startCommand(program);
  initCommand(program);
  appsCommand(program);
  keysCommand(program);
  auditCommand(program);
  secretsCommand(program);
  for (const add of extraCommands) add(program);
  completionCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const program = buildProgram({ json });
  let running: Command | undefined;
  program.hook('preAction', (_program, action) => {
    running = action;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    const exit = (err as { exitCode?: unknown }).exitCode;
    const name = (err as { code?: unknown }).code;
    // --help and --version end parsing with exit code 0 and have printed what was asked.
    if (name === 'commander.helpDisplayed' || name === 'commander.version' || name === 'commander.help' || (typeof exit === 'number' && exit === 0 && String(name).startsWith('commander.'))) {
      process.exitCode = 0;
      return;
    }
    const { body, exitCode } = toCliError(err, running);
    // Commander already printed its own line in text mode.
    if (json || !String(name).startsWith('commander.')) process.stderr.write(renderError(body, json));
    process.exitCode = exitCode;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) await main(process.argv.slice(2));
