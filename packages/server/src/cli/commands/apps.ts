import { Value } from '@sinclair/typebox/value';
import type { Command } from 'commander';
import type { AppSettings } from '../../apps/model.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { AppSettingsSchema } from '../../http/schemas.js';
import { appView } from '../../http/views.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { fieldFlags } from '../error-output.js';
import { int, list, usageError } from '../flags.js';

const COLUMNS = ['id', 'name', 'createdAt'];

/** App settings flags, shared by create and update; each maps to one field of the API's `settings`. */
const SETTINGS: readonly (readonly [flag: string, field: keyof AppSettings, help: string, parse?: (v: string) => unknown])[] = [
  ['--rotation-grace-seconds <n>', 'defaultRotationGraceSeconds', 'grace period of `keys rotate` when none is given', int(0)],
  ['--signature-components <list>', 'signatureRequiredComponents', 'components every request signature must cover, e.g. content-type,@query', list],
  ['--signature-skew-seconds <n>', 'signatureSkewSeconds', 'allowed clock difference for request signatures', int(0)],
  ['--max-token-ttl-seconds <n>', 'maxTokenTtlSeconds', 'longest lifetime of a token minted for this app', int(0)],
  ['--pins <list>', 'certificatePins', 'TLS pins of the API hosts, sha256/<base64>, comma-separated', list],
  ['--pin-set-ttl-seconds <n>', 'pinSetTtlSeconds', 'how long a published pin set stays valid', int(0)],
  ['--cors-origins <list>', 'corsOrigins', 'browser origins allowed to call the gateway and the API for this app, comma-separated', list],
  ['--anomaly-actions <list>', 'anomalyActions', 'what each anomaly rule does, e.g. traffic_spike=throttle,many_networks=suspend (alert|throttle|suspend; rules left out alert)', ruleActions],
];

/** `rule=action,…` → the settings object; the schema then checks names and values. */
function ruleActions(value: string): Record<string, string> {
  return Object.fromEntries(
    value
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((p) => {
        const i = p.indexOf('=');
        if (i <= 0) throw usageError(`--anomaly-actions: "${p}" must be rule=action`);
        return [p.slice(0, i), p.slice(i + 1)];
      }),
  );
}

function settingOptions(cmd: Command, nameFlag: string): Command {
  cmd.option('--revoke-keys-seen-in-urls', 'revoke any key of this app that arrives in a URL').option('--no-revoke-keys-seen-in-urls', 'only refuse and mark exposed a key seen in a URL');
  for (const [flag, , help, parse] of SETTINGS) cmd.option(flag, help, parse as never);
  return fieldFlags(cmd, Object.fromEntries([['name', nameFlag], ...SETTINGS.map(([flag, field]) => [`settings/${field}`, flag.split(' ')[0]!])]));
}

/** The flags → the API's `settings` object, checked against the API's own schema before any store is opened. */
function settingsFrom(opts: Record<string, unknown>): Partial<AppSettings> {
  const settings: Record<string, unknown> = {};
  if (opts.revokeKeysSeenInUrls !== undefined) settings.revokeKeysSeenInUrls = opts.revokeKeysSeenInUrls;
  for (const [flag, field] of SETTINGS) {
    const attr = flag.slice(2).split(' ')[0]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (opts[attr] !== undefined) settings[field] = opts[attr];
  }
  const errors = [...Value.Errors(AppSettingsSchema, settings)].map((e) => ({ pointer: `/body/settings${e.path}`, message: e.message }));
  if (errors.length) throw new KeywardError('VALIDATION_FAILED', 'invalid app settings', { errors });
  return settings as Partial<AppSettings>;
}

export function appsCommand(program: Command): void {
  const apps = program.command('apps').description('Manage apps (tenants)');
  settingOptions(apps.command('create <name>').description('Create an app with live and test environments'), '<name>').action(async (name: string, opts: Record<string, unknown>, cmd: Command) => {
    const settings = settingsFrom(opts);
    await withLocal(cmd, async (kw, out) => {
      const app = appView(await kw.apps.create({ name, settings }, CLI_ACTOR));
      out.result(app, () => `Created app ${app.id} (${app.name}).`);
    });
  });
  apps
    .command('list')
    .description('List apps')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const items: ReturnType<typeof appView>[] = [];
        let after: string | undefined;
        do {
          const page = await kw.apps.list({ limit: 1000, ...(after ? { after } : {}) });
          items.push(...page.items.map(appView));
          after = page.next;
        } while (after);
        out.list(items, COLUMNS);
      });
    });
  apps
    .command('get <appId>')
    .description('Show an app and its settings')
    .action(async (appId: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const app = appView(await kw.apps.get(appId));
        out.result(app, () => [`${app.id}  ${app.name}  (created ${app.createdAt}, version ${app.version})`, ...Object.entries(app.settings).map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(',') || '-' : String(v)}`)].join('\n'));
      });
    });
  settingOptions(apps.command('update <appId>').description('Rename an app or change its settings (only what is given changes)').option('--name <name>', 'the new name'), '--name').action(
    async (appId: string, opts: Record<string, unknown> & { name?: string }, cmd: Command) => {
      const settings = settingsFrom(opts);
      if (opts.name === undefined && Object.keys(settings).length === 0) usageError('nothing to change: give --name or a setting flag (see `keyward apps update --help`)');
      await withLocal(cmd, async (kw, out) => {
        const app = appView(await kw.apps.update(appId, { ...(opts.name !== undefined ? { name: opts.name } : {}), ...(Object.keys(settings).length ? { settings } : {}) }, CLI_ACTOR));
        out.result(app, () => `Updated app ${app.id} (version ${app.version}).`);
      });
    },
  );
  apps
    .command('delete <appId>')
    .description('Delete an app; refused while it has live keys, sessions or devices unless --force, which revokes them (and its tokens) with it')
    .option('--force', 'revoke every key, session, device and token of the app with it')
    .option('--reason <text>', 'the revocation reason recorded on each key and session (default: app deleted)')
    .action(async (appId: string, opts: { force?: boolean; reason?: string }, cmd: Command) => {
      if (opts.reason !== undefined && (opts.reason.length === 0 || opts.reason.length > 512)) usageError('--reason: 1 to 512 characters');
      await withLocal(cmd, async (kw, out) => {
        const r = await kw.apps.delete(appId, { force: opts.force === true, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) }, CLI_ACTOR);
        const view = { id: r.id, deleted: true, revokedKeys: [...r.revokedKeys], revokedSessions: r.revokedSessions, revokedDevices: r.revokedDevices };
        out.result(view, () => `Deleted app ${r.id}; revoked ${r.revokedKeys.length} key(s), ${r.revokedSessions} session(s), ${r.revokedDevices} device(s) and its tokens.`);
      });
    });
}
