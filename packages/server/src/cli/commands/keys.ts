import { Option, type Command } from 'commander';
import { parseKey } from '@keyward/protocol';
import { KeywardError } from '../../errors/keyward-error.js';
import { keyView, verificationView } from '../../http/views.js';
import type { KeyKind } from '../../keys/model.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { list } from '../flags.js';
import { keySettingOptions, keySettingsFrom, type KeySettingFlags } from '../key-settings.js';
import { keyLifecycleCommands } from './keys-lifecycle.js';

const KINDS = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing'];
export const KEY_COLUMNS = ['id', 'kind', 'environment', 'name', 'start', 'scopes', 'subject', 'enabled', 'revokedAt', 'lastUsedAt'];
export const ENVIRONMENTS = ['live', 'test'];

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('Create, list, update, rotate, revoke and verify keys');

  keySettingOptions(
    keys
      .command('create')
      .description('Create a key; prints the secret once')
      .requiredOption('--app <appId>', 'app id')
      .addOption(new Option('--kind <kind>', 'the kind of key').choices(KINDS).makeOptionMandatory())
      .addOption(new Option('--env <environment>', 'the environment').choices(ENVIRONMENTS).makeOptionMandatory())
      .requiredOption('--name <name>', 'what the key is for'),
    'create',
  ).action(async (opts: KeySettingFlags & { app: string; kind: string; env: string; name: string }, cmd: Command) => {
    await withLocal(cmd, async (kw, out) => {
      const settings = keySettingsFrom(opts, kw.now());
      const issued = await kw.keys.create({ appId: opts.app, environment: opts.env as 'live' | 'test', kind: opts.kind as KeyKind, name: opts.name, ...settings }, CLI_ACTOR);
      out.result({ key: keyView(issued.key), secret: issued.secret }, () =>
        [`Key ${issued.key.id} (${issued.key.kind}, ${issued.key.environment}). Secret, shown once:`, '', `  ${issued.secret}`].join('\n'),
      );
    });
  });

  keys
    .command('list')
    .description('List keys of an app (never their secrets)')
    .requiredOption('--app <appId>', 'app id')
    .addOption(new Option('--env <environment>', 'only this environment').choices(ENVIRONMENTS))
    .addOption(new Option('--kind <kind>', 'only this kind').choices(KINDS))
    .option('--subject <id>', 'only keys bound to this subject')
    .option('--include-revoked', 'include revoked keys')
    .action(async (opts: { app: string; env?: 'live' | 'test'; kind?: string; subject?: string; includeRevoked?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const items: ReturnType<typeof keyView>[] = [];
        let after: string | undefined;
        do {
          const page = await kw.keys.list(
            { appId: opts.app, ...(opts.env ? { environment: opts.env } : {}), ...(opts.kind ? { kind: opts.kind as KeyKind } : {}), ...(opts.subject ? { subject: opts.subject } : {}), includeRevoked: Boolean(opts.includeRevoked) },
            { limit: 1000, ...(after ? { after } : {}) },
          );
          items.push(...page.items.map((k) => keyView(k)));
          after = page.next;
        } while (after);
        out.list(items, KEY_COLUMNS);
      });
    });

  keys
    .command('get <keyId>')
    .description('Show a key (never its secret)')
    .action(async (keyId: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const view = keyView(await kw.keys.get(keyId));
        out.result(view, () => Object.entries(view).map(([k, v]) => `${k.padEnd(16)} ${v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
      });
    });

  keys
    .command('verify <key>')
    .description('Verify a key as the API would (exit code 0 valid, 1 not valid)')
    .option('--app <appId>', 'require this app')
    .addOption(new Option('--env <environment>', 'require this environment').choices(ENVIRONMENTS))
    .option('--subject <id>', 'the subject the call acts for')
    .option('--scopes <list>', 'required scopes', list)
    .action(async (key: string, opts: { app?: string; env?: 'live' | 'test'; subject?: string; scopes?: string[] }, cmd: Command) => {
      if (typeof parseKey(key) === 'string') throw new KeywardError('KEY_MALFORMED', 'the key is malformed or fails its checksum');
      await withLocal(cmd, async (kw, out) => {
        const view = verificationView(
          await kw.verifier.verify(key, {
            ...(opts.app ? { appId: opts.app } : {}),
            ...(opts.env ? { environment: opts.env } : {}),
            ...(opts.subject ? { subject: opts.subject } : {}),
            ...(opts.scopes ? { scopes: opts.scopes } : {}),
          }),
        );
        out.result(view, () => (view.valid ? `VALID ${view.keyId} (${view.kind}, ${view.environment})` : `NOT VALID: ${view.code}`));
        if (!view.valid) process.exitCode = 1;
      });
    });

  keyLifecycleCommands(keys);
}
