import { Type } from '@sinclair/typebox';
import type { Keyward } from '../../keyward.js';
import type { LimitNow } from '../../keys/verifier.js';
import { ERROR_RESPONSES, iso, KeyId } from '../schemas.js';
import type { Server } from '../types.js';
import { appKeyFor } from './keys.js';

const LimitView = Type.Union([
  Type.Object({
    rate: Type.Integer(),
    windowSeconds: Type.Integer(),
    burst: Type.Integer(),
    remaining: Type.Integer({ description: 'Calls the bucket allows right now' }),
    fullAt: Type.String({ format: 'date-time', description: 'When the bucket is full again if no call comes' }),
  }),
  Type.Null(),
]);

/**
 * `GET /v1/keys/{keyId}/limits`: where a key's own rate limit and its identity's stand now, read
 * from the limiter the verifications spend from (Redis when configured), without spending. The
 * dashboard's key page shows it beside the credit balance.
 */
export function keyLimitRoutes(server: Server, kw: Pick<Keyward, 'keys' | 'verifier' | 'identities' | 'now'>): void {
  server.get(
    '/v1/keys/:keyId/limits',
    {
      config: { auth: 'root', permission: 'keys:read', apps: 'handler' },
      schema: {
        tags: ['keys'],
        summary: "A key's rate-limit state now (its own limit and its identity's), read without spending, and its credit balance",
        params: Type.Object({ keyId: KeyId }),
        response: { 200: Type.Object({ keyId: Type.String(), ratelimit: LimitView, identityRatelimit: LimitView, creditsRemaining: Type.Union([Type.Integer(), Type.Null()]) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const key = await appKeyFor(kw, request.caller!, request.params.keyId);
      const identity = key.identityId ? await kw.identities.get(key.identityId) : undefined;
      const state = await kw.verifier.limitState(key.id, key.ratelimit, identity ? { id: identity.id, ratelimit: identity.ratelimit } : undefined);
      const now = kw.now();
      const view = (rl: { rate: number; windowSeconds: number; burst: number } | null | undefined, s: LimitNow | null) =>
        rl && s ? { rate: rl.rate, windowSeconds: rl.windowSeconds, burst: rl.burst, remaining: s.remaining, fullAt: iso(now + s.resetMs) } : null;
      return { keyId: key.id, ratelimit: view(key.ratelimit, state.key), identityRatelimit: view(identity?.ratelimit, state.identity), creditsRemaining: key.credits ? (key.creditsRemaining ?? null) : null };
    },
  );
}
