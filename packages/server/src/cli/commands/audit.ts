import type { Command } from 'commander';
import { auditView } from '../../http/views.js';
import { withLocal } from '../context.js';
import { int } from '../flags.js';
import { progress } from '../output.js';

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log');
  audit
    .command('list')
    .description('Page through the audit log, oldest first (as GET /v1/audit: items, next, head)')
    .option('--after <seq>', 'start after this sequence number (the previous page\'s next)', int(0))
    .option('--limit <n>', 'records per page, 1 to 1000', int(1, 1000), 100)
    .option('--target <id>', 'only records about this app, key, session … id')
    .option('--action <name>', 'only records of this action, e.g. key.revoke (filters the page read)')
    .action(async (opts: { after?: number; limit: number; target?: string; action?: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const records = await kw.audit.list({ limit: opts.limit, ...(opts.after !== undefined ? { afterSeq: opts.after } : {}), ...(opts.target ? { target: opts.target } : {}) });
        const last = records[records.length - 1];
        const items = records.map(auditView).filter((r) => !opts.action || r.action === opts.action);
        out.list(items, ['seq', 'at', 'actor', 'action', 'target'], { ...(records.length === opts.limit && last ? { next: String(last.seq) } : {}), head: await kw.audit.head() });
        if (!out.json && records.length === opts.limit && last) out.notice(`more: --after ${last.seq}`);
      });
    });
  audit
    .command('verify')
    .description('Check the hash chain end to end (exit code 0 intact, 1 broken)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const result = await kw.audit.verify({ onProgress: progress('verifying audit chain') });
        out.result(result, () =>
          result.ok ? `audit chain intact: ${result.records} records, head ${result.headHash.slice(0, 16)}…` : `AUDIT CHAIN BROKEN at record ${result.brokenAtSeq}: ${result.problem} (${result.records} records verified before it)`,
        );
        if (!result.ok) process.exitCode = 1;
      });
    });
}
