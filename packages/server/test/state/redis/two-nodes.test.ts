import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from '../../../../client/src/signer.js';
import { authenticate } from '../../../src/credentials/authenticate.js';
import { RedisNonceStore } from '../../../src/state/redis/nonce-store.js';
import { RedisSingleUseStore } from '../../../src/state/redis/single-use-store.js';
import { FailoverRateLimitStore } from '../../../src/state/limits-failover.js';
import { CLI } from '../../helpers.js';
import { signedRequest, twoInstances } from '../helpers.js';
import { privateRedis, type PrivateRedis } from './redis-harness.js';

let redis: PrivateRedis;
let nodes: Awaited<ReturnType<typeof twoInstances>>;
beforeAll(async () => {
  redis = await privateRedis();
  nodes = await twoInstances({ redisUrl: redis.url, redisKeyPrefix: `t${randomBytes(4).toString('hex')}` });
});
afterAll(async () => {
  await nodes.close();
  await redis.stop();
});

describe('two nodes with KEYWARD_REDIS_URL share Redis for limits, nonces and single-use state', () => {
  it('the container uses the Redis stores', () => {
    for (const kw of [nodes.a, nodes.b]) {
      expect(kw.limits).toBeInstanceOf(FailoverRateLimitStore);
      expect(kw.nonces).toBeInstanceOf(RedisNonceStore);
      expect(kw.singleUse).toBeInstanceOf(RedisSingleUseStore);
    }
    expect((nodes.a.limits as FailoverRateLimitStore).isDegraded).toBe(false);
  });

  it('a signed request presented 50 times at once across both is accepted exactly once', async () => {
    const app = await nodes.a.apps.create({ name: 'a' }, CLI);
    const k = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const req = await signedRequest(createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: k.secret }));
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => authenticate(req, (i % 2 ? nodes.a : nodes.b).credentials)));
    expect(answers.filter((r) => r.valid)).toHaveLength(1);
    expect(answers.filter((r) => !r.valid).map((r) => (r as { code: string }).code)).toEqual(Array(49).fill('SIGNATURE_REPLAYED'));
  });

  it('a key limited to 10 admits exactly 10 of 60 concurrent verifications across both', async () => {
    const app = await nodes.a.apps.create({ name: 'l' }, CLI);
    const k = await nodes.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'limited', ratelimit: { rate: 10, windowSeconds: 3600, burst: 10 } }, CLI);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? nodes.a : nodes.b).verifier.verify(k.secret)));
    expect(answers.filter((d) => d.valid)).toHaveLength(10);
    expect(new Set(answers.filter((d) => !d.valid).map((d) => d.code))).toEqual(new Set(['RATE_LIMITED']));
  });

  it('an entry put on one node is taken exactly once by 50 concurrent takes across both', async () => {
    await nodes.a.singleUse.put('challenge', 'c-1', 60_000);
    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? nodes.a : nodes.b).singleUse.take('challenge')));
    expect(got.filter((v) => v === 'c-1')).toHaveLength(1);
  });
});
