import type { FastifyRequest } from 'fastify';
import type { Environment } from '@keyward/protocol';
import { presented } from '../../credentials/extract.js';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';

/**
 * The app and environment a call acts in. A secret key acts in its own; a root key must name
 * both. A secret key naming another app or environment is refused, not silently redirected.
 */
export function appScope(request: FastifyRequest, named: { appId?: string; environment?: Environment }): { appId: string; environment: Environment } {
  const key = request.caller!.key;
  if (key.kind === 'root') {
    if (!named.appId || !named.environment) throw new KeywardError('VALIDATION_FAILED', 'with a root key, name appId and environment', { errors: [{ pointer: '/appId', message: 'required with a root key' }] });
    return { appId: named.appId, environment: named.environment };
  }
  if ((named.appId && named.appId !== key.appId) || (named.environment && named.environment !== key.environment)) {
    throw new KeywardError('FORBIDDEN', 'a secret key acts only in its own app and environment');
  }
  return { appId: key.appId!, environment: key.environment! };
}

/**
 * For routes an app install calls directly (login, device registration): the publishable key in
 * X-Api-Key names the app and environment. Declared `public` in the route table because the
 * preHandler's operator auth does not apply; this check is the route's authentication.
 */
export async function publishableScope(kw: Pick<Keyward, 'verifier'>, request: FastifyRequest): Promise<{ appId: string; environment: Environment; keyId: string }> {
  const p = presented(request.headers);
  if (p.type === 'ambiguous') throw new KeywardError('AMBIGUOUS_CREDENTIALS', 'send the key once, in Authorization or X-Api-Key, not both');
  if (p.type !== 'bearer') throw new KeywardError('UNAUTHORIZED', 'send the app\'s publishable key in X-Api-Key', { headers: { 'www-authenticate': 'Bearer' } });
  const d = await kw.verifier.verify(p.value, { kinds: ['publishable'], subject: 'app-install', ip: request.ip });
  if (!d.valid) throw new KeywardError('UNAUTHORIZED', 'the publishable key is not valid');
  return { appId: d.key.appId!, environment: d.key.environment!, keyId: d.key.id };
}
