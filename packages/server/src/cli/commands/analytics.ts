import type { Command } from 'commander';
import { GRANULARITIES, type Granularity } from '../../analytics/model.js';
import { queryEventSeries, queryTopKeys, queryVerificationAnalytics } from '../../analytics/service.js';
import { resolveTopKeysLimit } from '../../analytics/top-keys.js';
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
  limit?: string;
}

/** The window flags, checked before the store is opened (the query checks them again, with the clock). */
function windowOf(opts: Flags): { granularity?: Granularity; from?: string; to?: string } {
  if (opts.granularity !== undefined && !GRANULARITIES.includes(opts.granularity as Granularity)) throw new KeywardError('VALIDATION_FAILED', '--granularity must be minute, hour or day');
  for (const [flag, value] of [['--from', opts.from], ['--to', opts.to]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw new KeywardError('VALIDATION_FAILED', `${flag} must be an RFC 3339 date-time, e.g. 2026-06-01T00:00:00Z`);
  }
  return { ...(opts.granularity ? { granularity: opts.granularity as Granularity } : {}), ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) };
}

const label = { label: (field: 'from' | 'to') => `--${field}` };

/** `keyward analytics verifications|top-keys|events`: the same queries and JSON as GET /v1/analytics/…. */
export function analyticsCommand(program: Command): void {
  const analytics = program.command('analytics').description('Usage analytics per minute, hour or day: verification outcomes, top keys, security and operations series');
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
      const window = windowOf(opts);
      await withLocal(cmd, async (kw, out) => {
        const answer = await queryVerificationAnalytics(
          kw,
          {
            ...window,
            ...(opts.app ? { appId: opts.app } : {}),
            ...(opts.key ? { keyId: opts.key } : {}),
            ...(opts.identity ? { identityId: opts.identity } : {}),
          },
          label,
        );
        out.result(answer, () => {
          const codes = [...new Set(answer.buckets.flatMap((b) => Object.keys(b.outcomes)))].filter((c) => c !== 'VALID').sort();
          const rows = answer.buckets.map((b) => ({ start: b.start, total: b.total, valid: b.valid, ...Object.fromEntries(codes.map((c) => [c, b.outcomes[c] ?? 0])) }));
          return `${answer.granularity} buckets from ${answer.from} to ${answer.to}\n${table(rows, ['start', 'total', 'valid', ...codes])}`;
        });
      });
    });
  analytics
    .command('top-keys')
    .description('The keys with the most verifications in the window, ranked (the same as GET /v1/analytics/top-keys)')
    .option('--app <appId>', 'only keys of this app')
    .option('--identity <identityId>', 'only keys of this identity')
    .option('--limit <n>', 'how many keys, 1-100 (default 10)')
    .option('--granularity <g>', 'minute|hour|day (default hour)')
    .option('--from <time>', 'RFC 3339 start (default: 1 h, 24 h or 30 d before --to)')
    .option('--to <time>', 'RFC 3339 end, exclusive (default: now, the bucket in progress included)')
    .action(async (opts: Flags, cmd: Command) => {
      const window = windowOf(opts);
      const limit = resolveTopKeysLimit(opts.limit, '--limit');
      await withLocal(cmd, async (kw, out) => {
        const answer = await queryTopKeys(kw, { ...window, limit, ...(opts.app ? { appId: opts.app } : {}), ...(opts.identity ? { identityId: opts.identity } : {}) }, label);
        out.result(answer, () => `top keys from ${answer.from} to ${answer.to}\n${table(answer.keys.map((k) => ({ key: k.keyId, name: k.name ?? '', env: k.environment ?? '', total: k.total, valid: k.valid, rejected: k.rejected })), ['key', 'name', 'env', 'total', 'valid', 'rejected'])}`);
      });
    });
  analytics
    .command('events')
    .description('Attestation outcomes (monitor-only included), leak reports, anomalies and webhook deliveries per bucket (GET /v1/analytics/events)')
    .option('--app <appId>', 'only this app')
    .option('--granularity <g>', 'minute|hour|day (default hour)')
    .option('--from <time>', 'RFC 3339 start (default: 1 h, 24 h or 30 d before --to)')
    .option('--to <time>', 'RFC 3339 end, exclusive (default: now, the bucket in progress included)')
    .action(async (opts: Flags, cmd: Command) => {
      const window = windowOf(opts);
      await withLocal(cmd, async (kw, out) => {
        const answer = await queryEventSeries(kw, { ...window, ...(opts.app ? { appId: opts.app } : {}) }, label);
        const rows = answer.buckets.map((b) => ({ start: b.start, passed: b.attestation.passed, refused: b.attestation.refused, monitored: b.attestation.monitored, leaks: b.leaks.reported, anomalies: b.anomalies.detected, delivered: b.webhooks.delivered, failed: b.webhooks.failed, pending: b.webhooks.pending }));
        out.result(answer, () => `${answer.granularity} buckets from ${answer.from} to ${answer.to}\n${table(rows, ['start', 'passed', 'refused', 'monitored', 'leaks', 'anomalies', 'delivered', 'failed', 'pending'])}`);
      });
    });
}
