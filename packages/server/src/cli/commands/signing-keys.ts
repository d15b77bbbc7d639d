import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../tokens/store.js';
import { signingKeyView } from '../../http/views.js';
import { CLI_ACTOR, withLocal } from '../context.js';
import { table } from '../output.js';

/**
 * `keyward signing-keys rotate`: the token signing key rotation of `POST /v1/signing-keys/rotate`,
 * for an operator at the server (an emergency rotation should not depend on the API being reachable
 * with a root key). The running server picks the new key up at its next key refresh.
 */
export function signingKeysCommand(program: Command): void {
  const keys = program.command('signing-keys').description("Keyward's JWT signing keys (published at /.well-known/jwks.json)");
  keys
    .command('list')
    .description('The published keys, as GET /.well-known/jwks.json serves them (public parts only)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.tokens.init();
        const jwks = await kw.tokens.jwks();
        out.result(jwks, () => table(jwks.keys, ['kid', 'alg', 'kty', 'crv', 'use']));
      });
    });
  keys
    .command('rotate')
    .description('Rotate the signing key of an algorithm: the new key is published first and signs after the publish delay')
    .option('--alg <alg>', `${JWT_ALGORITHMS.join(' or ')} (default EdDSA)`, 'EdDSA')
    .option('--immediate', 'sign with the new key now (a leaked private key); verifiers that cached the JWKS refetch on the unknown kid')
    .option('--revoke-previous', 'with --immediate: refuse tokens of the replaced key from now on')
    .action(async (opts: { alg: string; immediate?: boolean; revokePrevious?: boolean }, cmd: Command) => {
      if (!(JWT_ALGORITHMS as readonly string[]).includes(opts.alg)) throw new KeywardError('VALIDATION_FAILED', `--alg must be one of ${JWT_ALGORITHMS.join(', ')}`);
      await withLocal(cmd, async (kw, out) => {
        const info = await kw.tokens.rotate(opts.alg as JwtAlgorithm, CLI_ACTOR, { immediate: Boolean(opts.immediate), revokePrevious: Boolean(opts.revokePrevious) });
        const result = signingKeyView(info);
        out.result(result, () => (info.state === 'pending' ? `${info.kid} (${info.alg}) published; it signs from ${result.activatesAt}` : `${info.kid} (${info.alg}) signs now`));
      });
    });
}
