import { Option, type Command } from 'commander';
import { issuedSessionView, sessionView } from '../../http/views.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { fieldFlags } from '../error-output.js';
import { ENVIRONMENTS } from './keys.js';

const scoped = (cmd: Command) =>
  fieldFlags(cmd.requiredOption('--app <appId>', 'app id').addOption(new Option('--env <environment>', 'the environment').choices(ENVIRONMENTS).makeOptionMandatory()), { appId: '--app', environment: '--env' });

/** `keyward sessions …`: the session routes of the API (/v1/sessions, /v1/subjects/:subject/sessions/revoke). */
export function sessionsCommand(program: Command): void {
  const sessions = program.command('sessions').description("End users' sessions: list, create and revoke");
  scoped(sessions.command('list').description("List sessions of an app (a subject's with --subject), with device and last use"))
    .option('--subject <id>', 'only this subject')
    .option('--include-revoked', 'include revoked sessions')
    .action(async (opts: { app: string; env: 'live' | 'test'; subject?: string; includeRevoked?: boolean }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const items = (await kw.sessions.list(opts.app, opts.env, opts.subject, Boolean(opts.includeRevoked))).map(sessionView);
        out.list(items, ['id', 'subject', 'createdAt', 'lastUsedAt', 'absoluteExpiresAt', 'revokedAt']);
      });
    });
  scoped(sessions.command('create').description('Create a session for a subject your backend authenticated; prints the session key and refresh token once'))
    .requiredOption('--subject <id>', 'the user the session is for')
    .option('--device-name <name>', 'device name shown in session lists')
    .option('--platform <platform>', 'e.g. ios, android')
    .action(async (opts: { app: string; env: 'live' | 'test'; subject: string; deviceName?: string; platform?: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const device = { ...(opts.deviceName ? { name: opts.deviceName } : {}), ...(opts.platform ? { platform: opts.platform } : {}) };
        const r = await kw.sessions.create({ appId: opts.app, environment: opts.env, subject: opts.subject, ...(Object.keys(device).length ? { device } : {}) }, CLI_ACTOR);
        const view = issuedSessionView(r.session, r.sessionKey, r.refreshToken);
        out.result(view, () => [`Session ${view.session.id} for ${opts.subject}. Shown once:`, '', `  session key    ${view.sessionKey}`, `  refresh token  ${view.refreshToken}`].join('\n'));
      });
    });
  sessions
    .command('revoke <sessionId>')
    .description('Revoke one session')
    .option('--reason <text>', 'why (kept in the audit log)', 'revoked')
    .action(async (sessionId: string, opts: { reason: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const s = await kw.sessions.get(sessionId);
        await kw.sessions.revoke(s.id, opts.reason, CLI_ACTOR);
        const view = sessionView(await kw.sessions.get(s.id));
        out.result(view, () => `Revoked session ${view.id} of ${view.subject}.`);
      });
    });
  scoped(sessions.command('revoke-subject <subject>').description("Revoke every session of a subject (e.g. after a password change)"))
    .option('--reason <text>', 'why (kept in the audit log)', 'revoked')
    .action(async (subject: string, opts: { app: string; env: 'live' | 'test'; reason: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const revoked = await kw.sessions.revokeAllForSubject(opts.app, opts.env, subject, opts.reason, CLI_ACTOR);
        out.result({ revoked }, () => `Revoked ${revoked} session(s) of ${subject}.`);
      });
    });
}
