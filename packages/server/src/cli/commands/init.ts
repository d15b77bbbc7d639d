import type { Command } from 'commander';
import { ensureRootKey } from '../../bootstrap.js';
import { CLI_ACTOR, withLocal } from '../context.js';

export function initCommand(program: Command): void {
  program
    .command('init')
    .description('Create the store and print the first root key (once)')
    .option('--new-root-key', 'issue an additional root key even if one exists')
    .action(async (opts: { newRootKey?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        let result: { keyId: string; secret: string } | undefined;
        if (opts.newRootKey) {
          const issued = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root key (cli)' }, CLI_ACTOR);
          result = { keyId: issued.key.id, secret: issued.secret };
        } else {
          const r = await ensureRootKey(kw, CLI_ACTOR);
          if (r.created) result = { keyId: r.keyId, secret: r.secret };
        }
        if (!result) {
          out.notice('already initialised: a root key exists. Use `keyward init --new-root-key` to issue another.');
          process.exitCode = 2;
          return;
        }
        out.result({ rootKeyId: result.keyId, rootKey: result.secret, dataDir: kw.config.dataDir }, () =>
          [`Root key (shown once; store it now):`, ``, `  ${result.secret}`, ``, `key id ${result.keyId}, data in ${kw.config.databaseUrl ? `PostgreSQL (${kw.store.backend})` : kw.config.dataDir}`].join('\n'),
        );
      }, { create: true });
    });
}
