import type { Command } from 'commander';
import { CLI_ACTOR, withLocal } from '../context.js';
import { table } from '../output.js';
import { appView } from '../../http/views.js';

export function appsCommand(program: Command): void {
  const apps = program.command('apps').description('Manage apps (tenants)');
  apps
    .command('create <name>')
    .description('Create an app with live and test environments')
    .option('--revoke-keys-seen-in-urls', 'revoke any key of this app that arrives in a URL')
    .action(async (name: string, opts: { revokeKeysSeenInUrls?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const app = await kw.apps.create({ name, settings: { revokeKeysSeenInUrls: Boolean(opts.revokeKeysSeenInUrls) } }, CLI_ACTOR);
        out.result(appView(app), () => table([appView(app)], ['id', 'name', 'createdAt']));
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
        out.result(items, () => table(items, ['id', 'name', 'createdAt']));
      });
    });
}
