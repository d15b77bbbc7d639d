import { Option, type Command } from 'commander';
import { mintedTokenView, tokenVerificationView } from '../../http/views.js';
import { refuseKeywardClaims } from '../../tokens/claims.js';
import { withLocal } from '../context.js';
import { fieldFlags } from '../error-output.js';
import { int, json, list } from '../flags.js';
import { ENVIRONMENTS } from './keys.js';

/** `keyward tokens mint|verify`: POST /v1/tokens and /v1/tokens/verify, on the local store. */
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
}
