import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../keys/service.js';

export function actorOf(request: FastifyRequest): Actor {
  return { actor: request.caller?.actor ?? 'anonymous', requestId: String(request.id) };
}
