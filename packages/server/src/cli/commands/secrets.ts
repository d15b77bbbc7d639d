import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { secretView } from '../../http/views.js';
import { readStdin } from '../stdin.js';

export function secretsCommand(program: Command): void {
  const secrets = program.command('secrets').description('Server-held third-party secrets (sealed at rest, injected by the gateway)');
  secrets
    .command('set <name>')
    .description('Create or replace a secret; the value is read from stdin so it never lands in shell history')
    .requiredOption('--app <appId>', 'app id')
    .requiredOption('--env <environment>', 'live|test')
    .option('--description <text>', 'what it is for')
    .action(async (name: string, opts: { app: string; env: string; description?: string }, cmd: Command) => {
      if (opts.env !== 'live' && opts.env !== 'test') throw new KeywardError('VALIDATION_FAILED', '--env must be live or test');
      const value = await readStdin();
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const { secret, created } = await kw.secrets.set({ appId: opts.app, environment: opts.env as 'live' | 'test', name, value, ...(opts.description ? { description: opts.description } : {}) }, CLI_ACTOR);
        out.result({ ...secretView(secret), created }, () => `${created ? 'Created' : 'Replaced'} secret ${secret.name} (${secret.id}, value ${secret.hint}).`);
      });
    });
  secrets
    .command('list')
    .description('List secrets (names and hints, never values)')
    .requiredOption('--app <appId>', 'app id')
    .option('--env <environment>', 'live|test')
    .action(async (opts: { app: string; env?: 'live' | 'test' }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        out.list((await kw.secrets.list(opts.app, opts.env)).map(secretView), ['id', 'environment', 'name', 'hint', 'description', 'updatedAt']);
      });
    });
  secrets
    .command('reseal')
    .description('Re-seal every secret under the active master key (after adding a new one to KEYWARD_MASTER_KEYS)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const result = await kw.secrets.reseal(CLI_ACTOR, (n) => out.notice(`resealed ${n}…`));
        out.result(result, () => `Re-sealed ${result.resealed} secret(s) under master key ${kw.keyring.activeId}.`);
      });
    });
}
