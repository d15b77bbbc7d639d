import { Option, type Command } from 'commander';
import { mintedTokenView, revokedTokenView, tokenVerificationView } from '../../http/views.js';
import { refuseKeywardClaims } from '../../tokens/claims.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { fieldFlags } from '../error-output.js';
import { int, json, list, usageError } from '../flags.js';
import { ENVIRONMENTS } from './keys.js';

/** `keyward tokens mint|verify|revoke`: POST /v1/tokens, /v1/tokens/verify and /v1/tokens/{jti}/revoke, on the local store. */
export function tokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('Short-lived JWTs for one subject, audience and set of scopes');
  fieldFlags(
    tokens
      .command('mint')
      .description("Mint a token (signed with Keyward's JWKS keys); prints it once")
      .requiredOption('--app <appId>', 'app id')
      .addOption(new Option('--env <environment>', 'the environment').choices(ENVIRONMENTS).makeOptionMandatory())
      .requiredOption('--subject <id>', '`sub`: the user or device the token acts for')
      .requiredOption('--audience <aud>', '`aud`: the one service meant to accept it')
      .requiredOption('--ttl-seconds <n>', "lifetime; above the app's cap is refused, never shortened", int(1, 604_800))
      .option('--scopes <list>', 'comma-separated scopes', list, [])
      .option('--single-use', 'verifies once: the jti is consumed atomically')
      .addOption(new Option('--alg <alg>', 'signing algorithm').choices(['EdDSA', 'ES256']))
      .option('--claims <json>', 'extra claims as a JSON object (registered and kw_* names are refused)', json),
    { appId: '--app', environment: '--env', claims: '--claims', ttlSeconds: '--ttl-seconds' },
  ).action(async (opts: { app: string; env: 'live' | 'test'; subject: string; audience: string; ttlSeconds: number; scopes: string[]; singleUse?: boolean; alg?: 'EdDSA' | 'ES256'; claims?: Record<string, unknown> }, cmd: Command) => {
    refuseKeywardClaims(opts.claims);
    await withLocal(cmd, async (kw, out) => {
      const app = await kw.apps.get(opts.app);
      const minted = await kw.tokens.mint({
        appId: app.id,
        environment: opts.env,
        subject: opts.subject,
        audience: opts.audience,
        scopes: opts.scopes,
        ttlSeconds: opts.ttlSeconds,
        ttlCapSeconds: app.settings.maxTokenTtlSeconds,
        ...(opts.singleUse ? { singleUse: true } : {}),
        ...(opts.alg ? { alg: opts.alg } : {}),
        ...(opts.claims ? { claims: opts.claims } : {}),
      });
      const view = mintedTokenView(minted);
      out.result(view, () => view.token);
    });
  });
  tokens
    .command('verify <token>')
    .description('Verify a token as POST /v1/tokens/verify would (exit 0 valid, 1 not); a single-use token is consumed')
    .option('--audience <aud>', 'the audience it must carry')
    .option('--scopes <list>', 'scopes the call needs (all required)', list)
    .option('--app <appId>', 'require this app')
    .addOption(new Option('--env <environment>', 'require this environment').choices(ENVIRONMENTS))
    .action(async (token: string, opts: { audience?: string; scopes?: string[]; app?: string; env?: 'live' | 'test' }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const r = await kw.tokens.verify(token, { ...(opts.app ? { appId: opts.app } : {}), ...(opts.env ? { environment: opts.env } : {}), ...(opts.audience !== undefined ? { audience: opts.audience } : {}), ...(opts.scopes ? { requiredScopes: opts.scopes } : {}) });
        const view = tokenVerificationView(r);
        out.result(view, () => (view.valid ? `VALID ${view.jti} for ${view.subject} (aud ${view.audience}, until ${view.expiresAt})` : `NOT VALID: ${view.code}`));
        if (!view.valid) process.exitCode = 1;
      });
    });
  tokens
    .command('revoke <jti>')
    .description('Revoke a token by its jti for one app and environment: refused everywhere from now on (audited; again changes nothing)')
    .requiredOption('--app <appId>', 'the app the token was minted for')
    .addOption(new Option('--env <environment>', 'its environment').choices(ENVIRONMENTS).makeOptionMandatory())
    .option('--reason <text>', 'why (kept in the audit log)')
    .action(async (jti: string, opts: { app: string; env: 'live' | 'test'; reason?: string }, cmd: Command) => {
      if (!/^[A-Za-z0-9._~-]{1,128}$/.test(jti)) usageError('<jti>: the token\'s jti claim (1 to 128 of A-Z a-z 0-9 . _ ~ -)');
      if (opts.reason !== undefined && (opts.reason.length === 0 || opts.reason.length > 512)) usageError('--reason: 1 to 512 characters');
      await withLocal(cmd, async (kw, out) => {
        const app = await kw.apps.get(opts.app);
        const r = await kw.tokens.revoke({ jti, appId: app.id, environment: opts.env, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) }, CLI_ACTOR);
        const view = { ...revokedTokenView(r.revocation), revoked: true, alreadyRevoked: r.alreadyRevoked };
        out.result(view, () => (r.alreadyRevoked ? `Token ${jti} was already revoked (${view.revokedAt}).` : `Revoked token ${jti}; every process on this store refuses it.`));
      });
    });
}
