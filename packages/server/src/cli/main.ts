#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { appsCommand } from './commands/apps.js';
import { auditCommand } from './commands/audit.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { resealCommand, secretsCommand } from './commands/secrets.js';
import { startCommand } from './commands/start.js';
import { completionCommand } from './commands/completion.js';
import { toCliError, renderError } from './error-output.js';
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
    .option('-c, --config <file>', 'YAML file with the settings of the KEYWARD_* variables (they and flags override it)')
    .option('--json', 'machine-readable output: one JSON document on stdout, errors as {"error": …} on stderr')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .exitOverride();
  // A usage error is printed once, in the one error shape (main below), not as commander's own text.
  program.configureOutput({ outputError: () => {} });
  startCommand(program);
  initCommand(program);
  appsCommand(program);
  keysCommand(program);
  auditCommand(program);
  secretsCommand(program);
  resealCommand(program);
  for (const add of extraCommands) add(program);
  completionCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const program = buildProgram();
  let running: Command | undefined;
  program.hook('preAction', (_program, action) => {
    running = action;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    // --help and --version end parsing with exit code 0 and have printed what was asked.
    if (err instanceof CommanderError && err.exitCode === 0) {
      process.exitCode = 0;
      return;
    }
    // A command group without its subcommand (`keyward keys`): commander printed the group's help.
    if (err instanceof CommanderError && err.code === 'commander.help') {
      process.exitCode = 2;
      return;
    }
    const { body, exitCode } = toCliError(err, running ?? commandNamedBy(program, argv));
    process.stderr.write(renderError(body, json));
    process.exitCode = exitCode;
  }
}

/** The (sub)command the words of argv name, for a usage error found before any action ran. */
function commandNamedBy(program: Command, argv: readonly string[]): Command {
  let cmd = program;
  for (const word of argv) {
    const sub = word.startsWith('-') ? undefined : cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) cmd = sub;
  }
  return cmd;
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) await main(process.argv.slice(2));
