import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { leakReportView } from '../../http/views.js';
import { LEAK_STATUSES, type LeakStatus } from '../../leaks/model.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { readStdin } from '../stdin.js';

/** `keyward leaks`: the same action as `POST /v1/leaks`, by an operator, and the reports so far. */
export function leaksCommand(program: Command): void {
  const leaks = program.command('leaks').description('Leaked-key reports: act on a leaked key (revoke or flag per app leakAction) and list reports');
  leaks
    .command('report')
    .description('Report leaked keys read from stdin, one per line (never argv): each Keyward key is revoked or flagged as its app says')
    .option('--url <url>', 'where it was found', '')
    .option('--source <source>', 'what kind of place (content, commit, issue …)', 'cli')
    .option('--type <type>', 'token type label', 'keyward_key')
    .action(async (opts: { url: string; source: string; type: string }, cmd: Command) => {
      const tokens = (await readStdin()).split(/\r?\n/).map((t) => t.trim()).filter(Boolean);
      if (tokens.length === 0) throw new KeywardError('VALIDATION_FAILED', 'no key on stdin: pipe one key per line, e.g. `pbpaste | keyward leaks report`');
      if (tokens.length > 1000) throw new KeywardError('VALIDATION_FAILED', 'at most 1000 keys per report');
      await withLocal(cmd, async (kw, out) => {
        const answers = await kw.leaks.report(tokens.map((token) => ({ token, type: opts.type, url: opts.url, source: opts.source })), CLI_ACTOR.actor, CLI_ACTOR.requestId);
        out.list(answers, ['token_hash', 'token_type', 'label']);
      });
    });
  leaks
    .command('list')
    .description('Leak reports, newest first')
    .option('--app <appId>', 'only this app')
    .option('--status <status>', `only reports with this review status (${LEAK_STATUSES.join(', ')})`)
    .option('--limit <n>', 'how many (1–1000)', '100')
    .action(async (opts: { app?: string; status?: string; limit: string }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new KeywardError('VALIDATION_FAILED', '--limit must be 1 to 1000', { errors: [{ pointer: '--limit', message: '1 to 1000' }] });
      const status = opts.status as LeakStatus | undefined;
      if (status !== undefined && !LEAK_STATUSES.includes(status)) throw new KeywardError('VALIDATION_FAILED', `--status must be one of ${LEAK_STATUSES.join(', ')}`, { errors: [{ pointer: '--status', message: LEAK_STATUSES.join(', ') }] });
      await withLocal(cmd, async (kw, out) => {
        const items = await kw.leaks.list({ limit, ...(opts.app ? { appId: opts.app } : {}), ...(status ? { status } : {}) });
        out.list(items.map(leakReportView), ['id', 'lastReportedAt', 'outcome', 'status', 'keyId', 'appId', 'reportCount', 'url']);
      });
    });
  leaks
    .command('dismiss <leakReportId>')
    .description('Close an open leak report as dismissed (looked at, nothing to do); the key is left as it is')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const r = leakReportView(await kw.leaks.dismiss(id, CLI_ACTOR));
        out.result(r, () => `Leak report ${r.id} dismissed.`);
      });
    });
  leaks
    .command('revoke <leakReportId>')
    .description('Revoke the key a leak report names (reason leaked) and close the report as resolved')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const r = leakReportView(await kw.leaks.revokeReported(id, CLI_ACTOR));
        out.result(r, () => `Key ${r.keyId} revoked; leak report ${r.id} ${r.status}.`);
      });
    });
}
