import type { Command } from 'commander';
import { ANOMALY_RULES, type AnomalyRule } from '../../anomaly/model.js';
import type { AnomalyStatus } from '../../anomaly/store.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { anomalyView } from '../../http/views.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { int } from '../flags.js';
import { table } from '../output.js';

const STATUSES: readonly AnomalyStatus[] = ['open', 'dismissed', 'resolved'];

/** `keyward anomalies list|dismiss|resolve`: the same records and JSON as /v1/anomalies. */
export function anomaliesCommand(program: Command): void {
  const anomalies = program.command('anomalies').description('Anomalies found in keys’ and sessions’ traffic (docs/anomalies.md)');
  anomalies
    .command('list')
    .description('Anomalies, newest first')
    .option('--app <appId>', 'only this app')
    .option('--status <status>', 'open|dismissed|resolved')
    .option('--rule <rule>', ANOMALY_RULES.join('|'))
    .option('--limit <n>', 'at most this many (default 100)', int(1))
    .action(async (opts: { app?: string; status?: string; rule?: string; limit?: number }, cmd: Command) => {
      if (opts.status !== undefined && !STATUSES.includes(opts.status as AnomalyStatus)) throw new KeywardError('VALIDATION_FAILED', `--status must be one of ${STATUSES.join(', ')}`);
      if (opts.rule !== undefined && !ANOMALY_RULES.includes(opts.rule as AnomalyRule)) throw new KeywardError('VALIDATION_FAILED', `--rule must be one of ${ANOMALY_RULES.join(', ')}`);
      await withLocal(cmd, async (kw, out) => {
        const page = await kw.anomalies.list(
          { ...(opts.app ? { appId: opts.app } : {}), ...(opts.status ? { status: opts.status as AnomalyStatus } : {}), ...(opts.rule ? { rule: opts.rule as AnomalyRule } : {}) },
          { limit: Math.min(opts.limit ?? 100, 1000) },
        );
        const items = page.items.map(anomalyView);
        out.result({ items }, () => table(items.map((a) => ({ ...a, outcome: a.actionOutcome })), ['id', 'detectedAt', 'rule', 'entity', 'action', 'outcome', 'status']));
      });
    });
  for (const [verb, status] of [
    ['dismiss', 'dismissed'],
    ['resolve', 'resolved'],
  ] as const) {
    anomalies
      .command(`${verb} <anomalyId>`)
      .description(verb === 'dismiss' ? 'Dismiss an open anomaly as a false alarm (its action is not undone)' : 'Mark an open anomaly resolved')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        await withLocal(cmd, async (kw, out) => {
          const outcome = await kw.anomalies.close(id, status, CLI_ACTOR);
          if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', `no anomaly ${id}`);
          if (outcome === 'conflict') throw new KeywardError('CONFLICT', `anomaly ${id} is already closed`);
          const a = anomalyView((await kw.anomalies.get(id))!);
          out.result(a, () => `Anomaly ${a.id} ${a.status}.`);
        });
      });
  }
}
