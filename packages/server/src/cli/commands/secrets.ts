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
      const value = (await readStdin()).replace(/\r?\n$/, '');
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

/**
 * `keyward reseal`: the whole master-key rotation in one command. Every kind of sealed value is
 * re-sealed under the active master key, in turn, with its progress; afterwards `keyward doctor`
 * names anything still under another key, and the old key can leave KEYWARD_MASTER_KEYS.
 */
export function resealCommand(program: Command): void {
  program
    .command('reseal')
    .description('Re-seal every sealed value (server-held secrets, signing secrets, token signing keys, webhook secrets, attestation key material) under the active master key')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const kinds: readonly [string, (onProgress: (n: number) => void) => Promise<{ resealed: number }>][] = [
          ['server-held secrets', (p) => kw.secrets.reseal(CLI_ACTOR, p)],
          ['signing secrets', (p) => kw.keys.resealSigningSecrets(CLI_ACTOR, p)],
          ['token signing keys', (p) => kw.tokens.reseal(CLI_ACTOR, p)],
          ['webhook secrets', (p) => kw.webhooks.reseal(CLI_ACTOR, p)],
          ['attestation settings', (p) => kw.attestation.settings.reseal(CLI_ACTOR, p)],
        ];
        const resealed: Record<string, number> = {};
        for (const [kind, reseal] of kinds) {
          out.notice(`${kind}…`);
          resealed[kind] = (await reseal((n) => out.notice(`${kind}: resealed ${n}…`))).resealed;
        }
        out.result({ masterKeyId: kw.keyring.activeId, resealed }, () => [`Re-sealed under master key ${kw.keyring.activeId}:`, ...kinds.map(([kind]) => `  ${kind}: ${resealed[kind]}`)].join('\n'));
      });
    });
}
