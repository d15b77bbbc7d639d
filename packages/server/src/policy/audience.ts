import type { Caller } from '../credentials/caller.js';
import type { AccessMap, Resource } from './model.js';

export type AudienceDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'TOKEN_INVALID'; readonly reason: 'AUDIENCE' | 'AUDIENCE_NOT_CONFIGURED' };

/**
 * The audience a token must carry on `resource`: the resource's own `audience`, else that of the
 * named upstream it is routed to, else the map's `audience`, else the audience the enforcing
 * server was configured with (the gateway's `audience` option). `undefined` when none says.
 */
export function expectedAudience(map: Partial<Pick<AccessMap, 'audience' | 'upstreams'>>, resource: Partial<Pick<Resource, 'audience' | 'upstream'>>, serverAudience: string | undefined): string | undefined {
  return resource.audience ?? (resource.upstream !== undefined ? map.upstreams?.[resource.upstream]?.audience : undefined) ?? map.audience ?? serverAudience;
}

/**
 * Whether a caller may use `resource` as far as audiences go. Only token callers carry an `aud`:
 * a JWT is minted for one service, and a token stolen from (or leaked by) that service must not
 * open another one's routes behind the same gateway. Fail closed: with no audience configured
 * anywhere, every token is refused (`AUDIENCE_NOT_CONFIGURED`) rather than every token accepted.
 * Other credential kinds are not scoped to a service and pass.
 */
export function decideAudience(caller: Pick<Caller, 'scheme' | 'audience'>, expected: string | undefined): AudienceDecision {
  if (caller.scheme !== 'token') return { ok: true };
  if (expected === undefined) return { ok: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE_NOT_CONFIGURED' };
  // Not a secret: an audience is a service name, so an ordinary comparison is fine.
  if (caller.audience !== expected) return { ok: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' };
  return { ok: true };
}
