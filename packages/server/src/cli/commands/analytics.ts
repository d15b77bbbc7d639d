import type { Command } from 'commander';
import { GRANULARITIES, type Granularity } from '../../analytics/model.js';
import { queryVerificationAnalytics } from '../../analytics/service.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { withLocal } from '../context.js';
import { table } from '../output.js';

interface Flags {
  app?: string;
  key?: string;
  identity?: string;
  granularity?: string;
  from?: string;
  to?: string;
}

/** `keyward analytics verifications`: the same query and JSON as GET /v1/analytics/verifications. */
export function analyticsCommand(program: Command): void {
  const analytics = program.command('analytics').description('Verification analytics: outcomes per minute, hour or day');
  analytics
    .command('verifications')
    .description('Key verifications per bucket, split by outcome code (for an app, a key, an identity, or everything)')
    .option('--app <appId>', 'only keys of this app')
    .option('--key <keyId>', 'only this key')
    .option('--identity <identityId>', 'only keys of this identity')
    .option('--granularity <g>', 'minute|hour|day (default hour)')
    .option('--from <time>', 'RFC 3339 start (default: 1 h, 24 h or 30 d before --to)')
    .option('--to <time>', 'RFC 3339 end, exclusive (default: now, the bucket in progress included)')
    .action(async (opts: Flags, cmd: Command) => {
      // Every flag is checked before the store is opened.
      if (opts.granularity !== undefined && !GRANULARITIES.includes(opts.granularity as Granularity)) throw new KeywardError('VALIDATION_FAILED', '--granularity must be minute, hour or day');
      for (const [flag, value] of [['--from', opts.from], ['--to', opts.to]] as const) {
        if (value !== undefined && Number.isNaN(Date.parse(value))) throw new KeywardError('VALIDATION_FAILED', `${flag} must be an RFC 3339 date-time, e.g. 2026-06-01T00:00:00Z`);
      }
      await withLocal(cmd, async (kw, out) => {
        const answer = await queryVerificationAnalytics(
          kw,
          {
            ...(opts.granularity ? { granularity: opts.granularity as Granularity } : {}),
            ...(opts.from ? { from: opts.from } : {}),
            ...(opts.to ? { to: opts.to } : {}),
            ...(opts.app ? { appId: opts.app } : {}),
            ...(opts.key ? { keyId: opts.key } : {}),
            ...(opts.identity ? { identityId: opts.identity } : {}),
          },
          { label: (field) => `--${field}` },
        );
        out.result(answer, () => {
          const codes = [...new Set(answer.buckets.flatMap((b) => Object.keys(b.outcomes)))].filter((c) => c !== 'VALID').sort();
          const rows = answer.buckets.map((b) => ({ start: b.start, total: b.total, valid: b.valid, ...Object.fromEntries(codes.map((c) => [c, b.outcomes[c] ?? 0])) }));
          return `${answer.granularity} buckets from ${answer.from} to ${answer.to}\n${table(rows, ['start', 'total', 'valid', ...codes])}`;
        });
      });
    });
}
