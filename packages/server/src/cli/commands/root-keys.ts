import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { rootKeyView } from '../../http/routes/root-keys.js';
import { isGrant, PERMISSIONS } from '../../rootkeys/permissions.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { table } from '../output.js';

const COLUMNS = ['id', 'name', 'start', 'permissions', 'appIds', 'enabled', 'expiresAt', 'revokedAt', 'lastUsedAt'];
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

function flagError(flag: string, message: string): never {
  throw new KeywardError('VALIDATION_FAILED', `${flag}: ${message}`, { errors: [{ pointer: flag, message }] });
}

/** Checked before the store is opened, so a typo creates nothing and names its flag. */
function parsePermissions(value: string[] | undefined, flag = '--permissions'): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0) flagError(flag, 'name at least one permission');
  const unknown = value.find((p) => !isGrant(p));
  if (unknown !== undefined) flagError(flag, `unknown permission ${JSON.stringify(unknown)}; one of *, ${PERMISSIONS.join(', ')}`);
  return value;
}

function parseSeconds(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < min) flagError(flag, `a whole number of seconds, at least ${min}`);
  return n;
}

/**
 * `keyward root-keys …`: operator keys with least privilege. The CLI holds the store itself, so it
 * acts with full power; the last full-power key is still protected (LAST_ROOT_KEY).
 */
export function rootKeysCommand(program: Command): void {
  const root = program.command('root-keys').description('Operator (root) keys: permissions, app restriction, rotation, revocation');

  root
    .command('create')
    .description('Create a root key with some permissions; prints the secret once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--permissions <list>', `comma-separated: * or ${PERMISSIONS.join(', ')}`, list)
    .option('--apps <list>', 'restrict the key to these app ids (default: every app)', list)
    .option('--expires-in-seconds <n>', 'expire after this many seconds')
    .action(async (opts: { name: string; permissions: string[]; apps?: string[]; expiresInSeconds?: string }, cmd: Command) => {
      const permissions = parsePermissions(opts.permissions)!;
      if (opts.apps !== undefined && opts.apps.length === 0) flagError('--apps', 'name at least one app id');
      const expiresIn = parseSeconds(opts.expiresInSeconds, '--expires-in-seconds', 1);
      await withLocal(cmd, async (kw, out) => {
        const issued = await kw.rootKeys.create({ name: opts.name, permissions, appIds: opts.apps ?? null, ...(expiresIn ? { expiresAtMs: kw.now() + expiresIn * 1000 } : {}) }, CLI_ACTOR);
        out.result({ key: rootKeyView(issued.key), secret: issued.secret }, () =>
          [`Root key ${issued.key.id} (${(issued.key.permissions ?? []).join(',')}${issued.key.appIds ? `; apps ${issued.key.appIds.join(',')}` : ''}). Secret, shown once:`, '', `  ${issued.secret}`].join('\n'),
        );
      });
    });

  root
    .command('list')
    .description('List root keys (never their secrets)')
    .option('--include-revoked', 'include revoked keys')
    .action(async (opts: { includeRevoked?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const items: ReturnType<typeof rootKeyView>[] = [];
        let after: string | undefined;
        do {
          const page = await kw.rootKeys.list({ limit: 1000, ...(after ? { after } : {}) }, Boolean(opts.includeRevoked));
          items.push(...page.items.map(rootKeyView));
          after = page.next;
        } while (after);
        out.result({ items }, () => table(items, COLUMNS));
      });
    });

  root
    .command('get <keyId>')
    .description('Show one root key')
    .action(async (keyId: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const key = rootKeyView(await kw.rootKeys.get(keyId));
        out.result(key, () => table([key], COLUMNS));
      });
    });

  root
    .command('update <keyId>')
    .description('Rename, change permissions or apps, enable or disable a root key')
    .option('--name <name>', 'new name')
    .option('--permissions <list>', 'replace the permissions', list)
    .option('--apps <list>', 'restrict to these app ids', list)
    .option('--all-apps', 'lift the app restriction')
    .option('--enable', 'enable the key')
    .option('--disable', 'disable the key')
    .action(async (keyId: string, opts: { name?: string; permissions?: string[]; apps?: string[]; allApps?: boolean; enable?: boolean; disable?: boolean }, cmd: Command) => {
      const permissions = parsePermissions(opts.permissions);
      if (opts.apps && opts.allApps) flagError('--apps', 'give --apps or --all-apps, not both');
      if (opts.apps !== undefined && opts.apps.length === 0) flagError('--apps', 'name at least one app id');
      if (opts.enable && opts.disable) flagError('--enable', 'give --enable or --disable, not both');
      const patch = {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(permissions ? { permissions } : {}),
        ...(opts.apps ? { appIds: opts.apps } : opts.allApps ? { appIds: null } : {}),
        ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
      };
      if (Object.keys(patch).length === 0) flagError('--name', 'nothing to change: give --name, --permissions, --apps, --all-apps, --enable or --disable');
      await withLocal(cmd, async (kw, out) => {
        const key = rootKeyView(await kw.rootKeys.update(keyId, patch, CLI_ACTOR));
        out.result(key, () => table([key], COLUMNS));
      });
    });

  root
    .command('rotate <keyId>')
    .description('New secret, same id and permissions; prints the secret once')
    .option('--grace-seconds <n>', 'how long the old secret keeps working (default 0)')
    .action(async (keyId: string, opts: { graceSeconds?: string }, cmd: Command) => {
      const grace = parseSeconds(opts.graceSeconds, '--grace-seconds', 0) ?? 0;
      await withLocal(cmd, async (kw, out) => {
        const issued = await kw.rootKeys.rotate(keyId, grace, CLI_ACTOR);
        out.result({ key: rootKeyView(issued.key), secret: issued.secret }, () => [`Root key ${issued.key.id} rotated. New secret, shown once:`, '', `  ${issued.secret}`].join('\n'));
      });
    });

  root
    .command('revoke <keyId>')
    .description('Revoke a root key at once (refused for the last full-power one)')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action(async (keyId: string, opts: { reason: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const key = rootKeyView(await kw.rootKeys.revoke(keyId, opts.reason, CLI_ACTOR));
        out.result(key, () => `Revoked root key ${key.id}.`);
      });
    });
}
