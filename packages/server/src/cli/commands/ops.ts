import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, isPostgresUrl } from '../../config/config.js';
import { KeywardError } from '../../errors/keyward-error.js';
import { backupSqlite } from '../../ops/backup.js';
import { runDoctor, type Check } from '../../ops/doctor.js';
import { copySqliteToPostgres } from '../../ops/store-copy.js';
import { connectPostgres } from '../../store/postgres/factory.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { cliConfig, type GlobalOptions } from '../context.js';
import { int } from '../flags.js';
import { createOutput, progress } from '../output.js';

/** Moving up from one machine: `store copy`, `backup`, `doctor` (docs/operations.md). */
export function opsCommand(program: Command): void {
  const store = program.command('store').description('Move a store between backends');
  store
    .command('copy')
    .description('Copy a SQLite store (every app, key, session, device, token, secret, identity, root key and audit record) into an empty PostgreSQL store, in one transaction')
    .option('--from <dir>', 'data directory of the SQLite store (default --data / KEYWARD_DATA; stop its servers first, or copy a `keyward backup`)')
    .requiredOption('--to <url>', 'postgres://user:password@host:5432/database of the new, empty store')
    .option('--batch <rows>', 'rows per INSERT', int(1, 10_000), 1000)
    .action(async (opts: { from?: string; to: string; batch: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const out = createOutput(Boolean(globals.json));
      const from = opts.from ?? cliConfig(globals).dataDir;
      const file = path.join(from, 'keyward.db');
      if (!existsSync(file)) throw new KeywardError('STORE_NOT_FOUND', `no Keyward store in ${from}: check --from (or --data)`);
      if (!isPostgresUrl(opts.to)) throw new KeywardError('VALIDATION_FAILED', '--to: must be a URL like postgres://user:password@host:5432/database (value not shown: it may hold a password)');
      // The source is brought to this keyward's schema first (what `start` would do), so both sides have the same tables.
      const source = openSqliteStore({ dataDir: from });
      try {
        await source.migrate();
      } finally {
        await source.close();
      }
      const target = await connectPostgres({ url: opts.to, poolSize: 1, statementTimeoutMs: 0 });
      try {
        await target.migrate();
        const result = await copySqliteToPostgres(file, target, { batchRows: opts.batch, onProgress: progress('copying', process.stderr, { quiet: true }) });
        out.result(result, () => [...result.tables.filter((t) => t.rows > 0).map((t) => `${t.table.padEnd(24)} ${t.rows}`), `copied ${result.rows} rows; counts match; audit chain intact (${result.audit.records} records)`, result.analyzed ? 'tables vacuumed and analyzed' : 'VACUUM (ANALYZE) of the copied tables failed: run it on the target (docs/operations.md)'].join('\n'));
      } finally {
        await target.close();
      }
    });

  program
    .command('backup')
    .description('Consistent online backup of the SQLite store while servers keep running; the backup is checked (integrity, audit chain) before it is kept')
    .requiredOption('--out <file>', 'the backup file to write (must not exist)')
    .action(async (opts: { out: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const out = createOutput(Boolean(globals.json));
      const config = cliConfig(globals);
      if (config.databaseUrl) throw new KeywardError('VALIDATION_FAILED', 'backup copies the SQLite store; for PostgreSQL use pg_dump or your provider\'s snapshots (docs/operations.md)');
      const result = await backupSqlite(config.dataDir, opts.out, { onProgress: progress('backing up (pages)', process.stderr, { quiet: true }) });
      out.result(result, () => `backup ${result.file}: ${result.bytes} bytes, integrity ok, audit chain intact (${result.audit.records} records)`);
    });

  program
    .command('doctor')
    .description('Check configuration and connectivity: store, Redis, clock skew, master keys, TLS files, access map (exit code 1 on any failure)')
    .option('--redis-url <url>', 'Redis to check (env KEYWARD_REDIS_URL)')
    .option('--tls-cert <file>', 'certificate the gateway serves')
    .option('--tls-key <file>', 'its private key')
    .option('--policy <file>', 'access map the gateway loads')
    .option('--max-skew-ms <ms>', 'largest clock difference allowed between this node, PostgreSQL and Redis', int(0, 3_600_000), 1000)
    .option('--timeout-ms <ms>', 'per network check', int(100, 60_000), 3000)
    .action(async (opts: { redisUrl?: string; tlsCert?: string; tlsKey?: string; policy?: string; maxSkewMs: number; timeoutMs: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const out = createOutput(Boolean(globals.json));
      let config;
      try {
        config = cliConfig(globals);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        config = err;
      }
      const redisUrl = opts.redisUrl ?? process.env.KEYWARD_REDIS_URL;
      const report = await runDoctor({
        config,
        env: process.env,
        ...(redisUrl ? { redisUrl } : {}),
        ...(opts.tlsCert ? { tlsCert: opts.tlsCert } : {}),
        ...(opts.tlsKey ? { tlsKey: opts.tlsKey } : {}),
        ...(opts.policy ? { policy: opts.policy } : {}),
        maxSkewMs: opts.maxSkewMs,
        timeoutMs: opts.timeoutMs,
      });
      out.result(report, () => [...report.checks.map(line), report.ok ? 'no failures' : `${report.checks.filter((c) => c.status === 'fail').length} check(s) failed`].join('\n'));
      if (!report.ok) process.exitCode = 1;
    });
}

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
function line(c: Check): string {
  return `${MARK[c.status]} ${c.name.padEnd(15)} ${c.detail}${c.fix ? `\n     ${''.padEnd(15)} fix: ${c.fix}` : ''}`;
}
