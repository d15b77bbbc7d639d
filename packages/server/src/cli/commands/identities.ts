import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { identityView } from '../../http/routes/identities.js';
import type { IdentityPatch } from '../../identities/model.js';
import type { KeyCredits } from '../../keys/credits.js';
import type { KeyRateLimit } from '../../keys/model.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { table } from '../output.js';

const COLUMNS = ['id', 'externalId', 'meta', 'ratelimit', 'credits', 'updatedAt'];

function flagError(flag: string, message: string): never {
  throw new KeywardError('VALIDATION_FAILED', `${flag}: ${message}`, { errors: [{ pointer: flag, message }] });
}

function parseMeta(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    flagError('--meta', 'must be a JSON object, e.g. \'{"plan":"pro"}\'');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) flagError('--meta', 'must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** `rate/windowSeconds[/burst]`, e.g. `100/60` or `100/60/20`. */
function parseRatelimit(value: string | undefined): KeyRateLimit | undefined {
  if (value === undefined) return undefined;
  const m = /^([0-9]{1,9})\/([0-9]{1,7})(?:\/([0-9]{1,9}))?$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || (m[3] !== undefined && Number(m[3]) < 1)) flagError('--ratelimit', 'rate/windowSeconds[/burst] with positive integers, e.g. 100/60');
  return { rate: Number(m[1]), windowSeconds: Number(m[2]), burst: Number(m[3] ?? m[1]) };
}

function parseCredits(amount: string | undefined, refill: string | undefined): KeyCredits | undefined {
  if (amount === undefined) {
    if (refill !== undefined) flagError('--refill', 'needs --credits');
    return undefined;
  }
  if (!/^[0-9]{1,13}$/.test(amount) || Number(amount) < 1) flagError('--credits', 'a positive integer');
  const n = Number(amount);
  if (refill === undefined) return { amount: n, refill: null };
  if (refill === 'daily' || refill === 'monthly') return { amount: n, refill };
  if (!/^[0-9]{1,9}$/.test(refill) || Number(refill) < 60) flagError('--refill', 'daily, monthly or a number of seconds (at least 60)');
  return { amount: n, refill: { intervalSeconds: Number(refill) } };
}

/** `keyward identities …`: the keys of one customer share metadata, a rate limit and credits. */
export function identitiesCommand(program: Command): void {
  const identities = program.command('identities').description('Identities: group the keys of one customer or user (shared metadata, rate limit and credits)');

  identities
    .command('create')
    .description('Create an identity in an app')
    .requiredOption('--app <appId>', 'app id')
    .requiredOption('--external-id <id>', 'your id for the customer or user (unique in the app)')
    .option('--meta <json>', 'shared metadata, a JSON object')
    .option('--ratelimit <rate/window[/burst]>', 'one rate limit for all its keys, e.g. 100/60')
    .option('--credits <n>', 'one credit balance for all its keys')
    .option('--refill <when>', 'with --credits: daily, monthly or seconds; omitted: a one-off allowance')
    .action(async (opts: { app: string; externalId: string; meta?: string; ratelimit?: string; credits?: string; refill?: string }, cmd: Command) => {
      const meta = parseMeta(opts.meta);
      const ratelimit = parseRatelimit(opts.ratelimit);
      const credits = parseCredits(opts.credits, opts.refill);
      await withLocal(cmd, async (kw, out) => {
        const identity = identityView(await kw.identities.create(opts.app, { externalId: opts.externalId, ...(meta ? { meta } : {}), ...(ratelimit ? { ratelimit } : {}), ...(credits ? { credits } : {}) }, CLI_ACTOR));
        out.result(identity, () => table([identity], COLUMNS));
      });
    });

  identities
    .command('list')
    .description("List an app's identities")
    .requiredOption('--app <appId>', 'app id')
    .option('--external-id <id>', 'only the identity with this externalId')
    .action(async (opts: { app: string; externalId?: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const items: ReturnType<typeof identityView>[] = [];
        let after: string | undefined;
        do {
          const page = await kw.identities.list(opts.app, { limit: 1000, ...(after ? { after } : {}) }, opts.externalId);
          items.push(...page.items.map(identityView));
          after = page.next;
        } while (after);
        out.result({ items }, () => table(items, COLUMNS));
      });
    });

  identities
    .command('get <identityId>')
    .description('Show one identity')
    .action(async (identityId: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const identity = identityView(await kw.identities.get(identityId));
        out.result(identity, () => table([identity], COLUMNS));
      });
    });

  identities
    .command('update <identityId>')
    .description('Change an identity (its keys see the change at once)')
    .option('--external-id <id>', 'new externalId')
    .option('--meta <json>', 'replace the shared metadata')
    .option('--ratelimit <rate/window[/burst]>', 'replace the shared rate limit')
    .option('--no-ratelimit', 'remove the shared rate limit')
    .option('--credits <n>', 'restart the shared balance at n')
    .option('--refill <when>', 'with --credits: daily, monthly or seconds')
    .option('--no-credits', 'remove the shared credits')
    .action(async (identityId: string, opts: { externalId?: string; meta?: string; ratelimit?: string | false; credits?: string | false; refill?: string }, cmd: Command) => {
      const meta = parseMeta(opts.meta);
      const patch: IdentityPatch = {
        ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
        ...(meta ? { meta } : {}),
        ...(opts.ratelimit === false ? { ratelimit: null } : typeof opts.ratelimit === 'string' ? { ratelimit: parseRatelimit(opts.ratelimit)! } : {}),
        ...(opts.credits === false ? { credits: null } : typeof opts.credits === 'string' ? { credits: parseCredits(opts.credits, opts.refill)! } : {}),
      };
      if (opts.refill !== undefined && typeof opts.credits !== 'string') flagError('--refill', 'needs --credits');
      if (Object.keys(patch).length === 0) flagError('--external-id', 'nothing to change: give --external-id, --meta, --ratelimit, --no-ratelimit, --credits or --no-credits');
      await withLocal(cmd, async (kw, out) => {
        const identity = identityView(await kw.identities.update(identityId, patch, CLI_ACTOR));
        out.result(identity, () => table([identity], COLUMNS));
      });
    });

  identities
    .command('delete <identityId>')
    .description('Delete an identity; refused while live keys belong to it, unless --detach-keys')
    .option('--detach-keys', 'detach its keys (they keep working with their own limits only)')
    .action(async (identityId: string, opts: { detachKeys?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const { detachedKeys } = await kw.identities.delete(identityId, { detachKeys: Boolean(opts.detachKeys) }, CLI_ACTOR);
        out.result({ id: identityId, deleted: true, detachedKeys }, () => `Deleted identity ${identityId}${detachedKeys.length ? `; detached ${detachedKeys.length} key(s)` : ''}.`);
      });
    });
}
