import type { Command } from 'commander';
import { withLocal } from '../context.js';
import { progress } from '../output.js';

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit log');
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
