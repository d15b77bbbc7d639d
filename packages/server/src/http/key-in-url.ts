import type { FastifyRequest } from 'fastify';
import { keysInTarget } from '../credentials/extract.js';
import { KeywardError } from '../errors/keyward-error.js';
import type { CredentialVerifiers } from '../credentials/authenticate.js';

/**
 * The admin API's adapter for the pipeline's key-in-URL rule (credentials/extract.ts finds them,
 * `reportKeysInUrl` marks, audits and maybe revokes): the same rule, the same flagging, as the
 * gateway and the middleware.
 */
export async function refuseKeysInUrl(credentials: Pick<CredentialVerifiers, 'reportKeysInUrl'>, request: FastifyRequest): Promise<void> {
  const found = keysInTarget(request.raw.url ?? '');
  if (found.length === 0) return;
  await credentials.reportKeysInUrl?.(found, { where: 'api', requestId: String(request.id) });
  throw new KeywardError('KEY_IN_URL', 'send keys in the Authorization or X-Api-Key header, never in a URL; this key is now marked exposed');
}
