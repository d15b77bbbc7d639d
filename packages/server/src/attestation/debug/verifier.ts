import { sha256Hex } from '../../lib/crypto.js';
import type { AttestationVerifier, AttestationVerdict } from '../provider.js';
import type { DebugToken } from '../model.js';

/** Debug tokens are `kwdbg_` + 43 base64url characters (256 random bits). */
export const DEBUG_TOKEN_RE = /^kwdbg_[A-Za-z0-9_-]{43}$/;

/**
 * The debug provider: a named token an operator created for a simulator, an emulator or CI,
 * instead of a platform attestation. It proves nothing about the device, so it is accepted only
 * in the `test` environment; in `live` it is refused with DEBUG_TOKEN_NOT_ALLOWED before the
 * token is even looked up, so a debug build shipped to production fails loudly and at once.
 *
 * The verifier reports the token's app as the `appId` fact; the flow refuses a token of another
 * app (ATTESTATION_WRONG_APP). The instance has no attested key, so it cannot make assertions.
 */
export function debugVerifier(find: (tokenHash: string) => Promise<DebugToken | undefined>): AttestationVerifier<{ readonly platform: 'debug'; readonly token: string }> {
  return {
    platform: 'debug',
    async verify(payload, context): Promise<AttestationVerdict> {
      if (context.policy.environment !== 'test') return { ok: false, code: 'DEBUG_TOKEN_NOT_ALLOWED', reason: 'live_environment' };
      if (typeof payload.token !== 'string' || !DEBUG_TOKEN_RE.test(payload.token)) return { ok: false, code: 'ATTESTATION_FAILED', reason: 'debug_token_malformed' };
      // Looked up by hash: the stored value never equals what the app holds, and the index compares hashes.
      const token = await find(sha256Hex(payload.token));
      if (!token || token.revokedAtMs !== null) return { ok: false, code: 'ATTESTATION_FAILED', reason: 'debug_token_unknown' };
      const challengeTag = Buffer.from(context.challenge).toString('base64url').slice(0, 16);
      return {
        ok: true,
        // Unique per attestation: two simulators sharing one debug token get two instances.
        instance: { platform: 'debug', keyId: `${token.id}.${challengeTag}`, facts: { appId: token.appId, debugTokenId: token.id, debugTokenName: token.name } },
      };
    },
  };
}
