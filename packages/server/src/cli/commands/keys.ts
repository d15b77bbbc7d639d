import type { KeyCredits } from '../../keys/credits.js';
import type { Command } from 'commander';
import { parseKey } from '@keyward/protocol';
import { KeywardError } from '../../errors/keyward-error.js';
import { keyView, verificationView } from '../../http/views.js';
import type { KeyKind } from '../../keys/model.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { table } from '../output.js';

const KINDS = ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device', 'signing'];
const COLUMNS = ['id', 'kind', 'environment', 'name', 'start', 'scopes', 'subject', 'enabled', 'revokedAt', 'lastUsedAt'];

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

function usageError(message: string): never {
  throw new KeywardError('VALIDATION_FAILED', message);
}

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('Create, list, rotate, revoke and verify keys');

  keys
    .command('create')
    .description('Create a key; prints the secret once')
    .requiredOption('--app <appId>', 'app id')
    .requiredOption('--kind <kind>', KINDS.join('|'))
    .requiredOption('--env <environment>', 'live|test')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--scopes <list>', 'comma-separated scopes, e.g. users:read,tags:write', list)
    .option('--subject <id>', 'bind the key to one user or device')
    .option('--expires-in-seconds <n>', 'expire after this many seconds')
    .option('--ip-allow <list>', 'comma-separated IPs/CIDRs', list)
    .option('--credits <n>', 'meter the key: each verification spends credits; none left answers USAGE_EXCEEDED')
    .option('--refill <when>', 'with --credits: daily, monthly, or a number of seconds; omitted: a one-off allowance')
    .action(async (opts: { app: string; kind: string; env: string; name: string; scopes?: string[]; subject?: string; expiresInSeconds?: string; ipAllow?: string[]; credits?: string; refill?: string }, cmd: Command) => {
      if (!KINDS.includes(opts.kind)) usageError(`--kind must be one of ${KINDS.join(', ')}`);
      if (opts.env !== 'live' && opts.env !== 'test') usageError('--env must be live or test');
      const credits = parseCredits(opts.credits, opts.refill);
      await withLocal(cmd, async (kw, out) => {
        const expiresIn = opts.expiresInSeconds === undefined ? undefined : Number(opts.expiresInSeconds);
        if (expiresIn !== undefined && (!Number.isInteger(expiresIn) || expiresIn <= 0)) usageError('--expires-in-seconds must be a positive integer');
        const issued = await kw.keys.create(
          {
            appId: opts.app,
            environment: opts.env as 'live' | 'test',
            kind: opts.kind as KeyKind,
            name: opts.name,
            ...(opts.scopes ? { scopes: opts.scopes } : {}),
            ...(opts.subject ? { subject: opts.subject } : {}),
            ...(expiresIn ? { expiresAtMs: kw.now() + expiresIn * 1000 } : {}),
            ...(opts.ipAllow ? { ipAllowList: opts.ipAllow } : {}),
            ...(credits ? { credits } : {}),
          },
          CLI_ACTOR,
        );
        out.result({ key: keyView(issued.key), secret: issued.secret }, () =>
          [`Key ${issued.key.id} (${issued.key.kind}, ${issued.key.environment}). Secret, shown once:`, '', `  ${issued.secret}`].join('\n'),
        );
      });
    });

  keys
    .command('list')
    .description('List keys of an app (never their secrets)')
    .requiredOption('--app <appId>', 'app id')
    .option('--env <environment>', 'live|test')
    .option('--kind <kind>', KINDS.join('|'))
    .option('--include-revoked', 'include revoked keys')
    .action(async (opts: { app: string; env?: 'live' | 'test'; kind?: string; includeRevoked?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const items: ReturnType<typeof keyView>[] = [];
        let after: string | undefined;
        do {
          const page = await kw.keys.list(
            { appId: opts.app, ...(opts.env ? { environment: opts.env } : {}), ...(opts.kind ? { kind: opts.kind as KeyKind } : {}), includeRevoked: Boolean(opts.includeRevoked) },
            { limit: 1000, ...(after ? { after } : {}) },
          );
          items.push(...page.items.map((k) => keyView(k)));
          after = page.next;
        } while (after);
        out.result(items, () => table(items, COLUMNS));
      });
    });

  keys
    .command('rotate <keyId>')
    .description('New secret for the same key; the old one works for the grace period')
    .option('--grace-seconds <n>', 'grace period for the old secret (default: the app setting)')
    .action(async (keyId: string, opts: { graceSeconds?: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const key = await kw.keys.get(keyId);
        const grace = opts.graceSeconds !== undefined ? Number(opts.graceSeconds) : key.appId ? (await kw.apps.get(key.appId)).settings.defaultRotationGraceSeconds : 0;
        const issued = await kw.keys.rotate(keyId, grace, CLI_ACTOR);
        out.result({ key: keyView(issued.key), secret: issued.secret, gracePeriodSeconds: grace }, () =>
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
    .command('verify <key>')
    .description('Verify a key as the API would (exit code 0 valid, 1 not valid)')
    .option('--app <appId>', 'require this app')
    .option('--env <environment>', 'require this environment')
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
}

/** `--credits N [--refill daily|monthly|SECONDS]` → the key's credit settings (validated again by the service). */
function parseCredits(amount: string | undefined, refill: string | undefined): KeyCredits | undefined {
  if (amount === undefined) {
    if (refill !== undefined) usageError('--refill needs --credits');
    return undefined;
  }
  const n = Number(amount);
  if (!Number.isInteger(n) || n < 1) usageError('--credits must be a positive integer');
  if (refill === undefined) return { amount: n, refill: null };
  if (refill === 'daily' || refill === 'monthly') return { amount: n, refill };
  const seconds = Number(refill);
  if (!Number.isInteger(seconds) || seconds < 60) usageError('--refill must be daily, monthly or a number of seconds (at least 60)');
  return { amount: n, refill: { intervalSeconds: seconds } };
}
