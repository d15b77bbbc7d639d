import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { attestationEventView } from '../../http/views.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { int } from '../flags.js';

const when = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `keyward attestation …`: debug tokens and attested instances (docs/attestation.md). */
export function attestationCommand(program: Command): void {
  const attestation = program.command('attestation').description('App attestation: debug tokens and attested app instances');
  const debug = attestation.command('debug-tokens').description('Named debug tokens for simulators and CI (test environment only, at most 10 per app)');
  debug
    .command('create <name>')
    .description('Create a debug token; it is printed once and stored only as a hash')
    .requiredOption('--app <appId>', 'app id')
    .action(async (name: string, opts: { app: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const r = await kw.attestation.admin.createDebugToken(opts.app, name, CLI_ACTOR);
        out.result({ token: r.token, id: r.debugToken.id, name: r.debugToken.name }, () => `Created debug token ${r.debugToken.name} (${r.debugToken.id}). Shown once:\n${r.token}`);
      });
    });
  debug
    .command('list')
    .description('List debug tokens (never their values)')
    .requiredOption('--app <appId>', 'app id')
    .action(async (opts: { app: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        out.list((await kw.attestation.admin.listDebugTokens(opts.app)).map((t) => ({ id: t.id, name: t.name, createdAt: when(t.createdAtMs), revokedAt: when(t.revokedAtMs) })), ['id', 'name', 'createdAt', 'revokedAt']);
      });
    });
  debug
    .command('revoke <debugTokenId>')
    .description('Revoke a debug token')
    .requiredOption('--app <appId>', 'app id')
    .action(async (id: string, opts: { app: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const t = await kw.attestation.admin.revokeDebugToken(opts.app, id, CLI_ACTOR);
        out.result({ id: t.id, revokedAt: when(t.revokedAtMs) }, () => `Revoked debug token ${t.name} (${t.id}).`);
      });
    });
  const instances = attestation.command('instances').description('Attested app instances');
  instances
    .command('list')
    .requiredOption('--app <appId>', 'app id')
    .requiredOption('--env <environment>', 'live|test')
    .action(async (opts: { app: string; env: string }, cmd: Command) => {
      if (opts.env !== 'live' && opts.env !== 'test') throw new KeywardError('VALIDATION_FAILED', '--env must be live or test');
      await withLocal(cmd, async (kw, out) => {
        const items = await kw.attestation.admin.listInstances(opts.app, opts.env as 'live' | 'test');
        out.list(items.map((i) => ({ id: i.id, platform: i.platform, status: i.status, counter: i.counter, createdAt: when(i.createdAtMs), lastSeenAt: when(i.lastSeenAtMs) })), ['id', 'platform', 'status', 'counter', 'createdAt', 'lastSeenAt']);
      });
    });
  instances
    .command('revoke <instanceId>')
    .description('Revoke an instance: its app tokens answer REATTESTATION_REQUIRED')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const i = await kw.attestation.admin.revokeInstance(id, CLI_ACTOR);
        out.result({ id: i.id, status: i.status }, () => `Revoked instance ${i.id}.`);
      });
    });
  attestation
    .command('events')
    .description('Refused and monitor-only attestations, aggregated per minute, newest first (the same records as GET /v1/apps/{appId}/attestation/events)')
    .requiredOption('--app <appId>', 'app id')
    .option('--env <environment>', 'live|test')
    .option('--outcome <outcome>', 'refused|monitored')
    .option('--limit <n>', 'at most this many (default 100)', int(1))
    .action(async (opts: { app: string; env?: string; outcome?: string; limit?: number }, cmd: Command) => {
      if (opts.env !== undefined && opts.env !== 'live' && opts.env !== 'test') throw new KeywardError('VALIDATION_FAILED', '--env must be live or test');
      if (opts.outcome !== undefined && opts.outcome !== 'refused' && opts.outcome !== 'monitored') throw new KeywardError('VALIDATION_FAILED', '--outcome must be refused or monitored');
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const filter = { appId: opts.app, ...(opts.env ? { environment: opts.env as 'live' | 'test' } : {}), ...(opts.outcome ? { outcome: opts.outcome as 'refused' | 'monitored' } : {}) };
        const page = await kw.attestation.events.list(filter, { limit: Math.min(opts.limit ?? 100, 1000) });
        out.list(page.items.map(attestationEventView), ['lastAt', 'environment', 'stage', 'outcome', 'code', 'subject', 'count']);
      });
    });
  attestation
    .command('reseal')
    .description('Re-seal the key material of every attestation policy under the active master key (after adding one to KEYWARD_MASTER_KEYS)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const result = await kw.attestation.settings.reseal(CLI_ACTOR, (n) => out.notice(`resealed ${n}…`));
        out.result(result, () => `Re-sealed ${result.resealed} attestation setting(s) under master key ${kw.keyring.activeId}.`);
      });
    });
}
