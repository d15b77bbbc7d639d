import type { Command } from 'commander';
import { keyView } from '../../http/views.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { int, usageError } from '../flags.js';
import { keySettingOptions, keySettingsFrom, type KeySettingFlags } from '../key-settings.js';
import type { Keyward } from '../../keyward.js';
import type { Output } from '../output.js';

/** `keys update|enable|disable|rotate|revoke|reissue`: the lifecycle routes of /v1/keys/:keyId. */
export function keyLifecycleCommands(keys: Command): void {
  keySettingOptions(keys.command('update <keyId>').description('Change a key: only the settings given change (the --no-… flags remove one)'), 'update').action(
    async (keyId: string, opts: KeySettingFlags, cmd: Command) => {
      // Checked before the store is opened; the patch itself is built on the store's clock below.
      if (Object.keys(keySettingsFrom(opts, 0)).length === 0) usageError('nothing to change: give at least one setting flag (see `keyward keys update --help`)');
      await withLocal(cmd, async (kw, out) => {
        const patch = keySettingsFrom(opts, kw.now());
        const key = await kw.keys.update(keyId, patch, CLI_ACTOR);
        out.result(keyView(key), () => `Updated ${key.id} (${Object.keys(patch).join(', ')}).`);
      });
    },
  );

  const toggle = (enabled: boolean) => async (keyId: string, _opts: unknown, cmd: Command) => {
    await withLocal(cmd, async (kw, out) => {
      const key = await kw.keys.update(keyId, { enabled }, CLI_ACTOR);
      out.result(keyView(key), () => `${enabled ? 'Enabled' : 'Disabled'} ${key.id}.`);
    });
  };
  keys.command('enable <keyId>').description('Enable a disabled key').action(toggle(true));
  keys.command('disable <keyId>').description('Disable a key (verifications answer CREDENTIAL_DISABLED until it is enabled)').action(toggle(false));

  keys
    .command('rotate <keyId>')
    .description('New secret for the same key; the old one works for the grace period')
    .option('--grace-seconds <n>', 'grace period for the old secret (default: the app setting)', int(0, 7_776_000))
    .action(async (keyId: string, opts: { graceSeconds?: number }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const key = await kw.keys.get(keyId);
        const grace = opts.graceSeconds ?? (key.appId ? (await kw.apps.get(key.appId)).settings.defaultRotationGraceSeconds : 0);
        const issued = await kw.keys.rotate(keyId, grace, CLI_ACTOR);
        out.result({ key: keyView(issued.key), secret: issued.secret }, () =>
          [`Rotated ${keyId}; the old secret works for ${grace} s more. New secret, shown once:`, '', `  ${issued.secret}`].join('\n'),
        );
      });
    });

  keys
    .command('revoke <keyId>')
    .description('Revoke a key at once')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action(async (keyId: string, opts: { reason: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const key = await kw.keys.revoke(keyId, opts.reason, CLI_ACTOR);
        out.result(keyView(key), () => `Revoked ${key.id} (${key.revokedReason}).`);
      });
    });

  keys
    .command('reissue <keyId>')
    .description('A new key with the same settings; the old one is revoked at once (for a key that leaked). Prints the secret once')
    .action(async (keyId: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw: Keyward, out: Output) => {
        const issued = await kw.keys.reissue(keyId, CLI_ACTOR);
        out.result({ key: keyView(issued.key), secret: issued.secret }, () =>
          [`Reissued ${keyId} as ${issued.key.id}; ${keyId} is revoked. Secret, shown once:`, '', `  ${issued.secret}`].join('\n'),
        );
      });
    });
}
