import { describe, expect, it } from 'vitest';
import { CLI, makeApi } from '../helpers.js';

describe('POST /v1/keys/verify: a rate-limited answer says when to retry', () => {
  it('answers RATE_LIMITED with retryAfterSeconds, on the fast path and through Fastify alike, in the API field names', async () => {
    const api = await makeApi();
    try {
      const k = await api.kw.keys.create({ appId: api.appId, environment: 'live', kind: 'secret', name: 'limited', ratelimit: { rate: 2, windowSeconds: 60, burst: 2 } }, CLI);
      const verify = async () => (await api.server.inject({ method: 'POST', url: '/v1/keys/verify', headers: { authorization: `Bearer ${api.root}` }, payload: { key: k.secret } })).json();
      const first = await verify();
      expect(first).toMatchObject({ valid: true, code: 'VALID', expiresAt: null });
      expect(first).not.toHaveProperty('expiresAtMs');
      await verify();
      const limited = await verify();
      expect(limited).toMatchObject({ valid: false, code: 'RATE_LIMITED', keyId: k.key.id });
      // GCRA at 2 per 60 s: the next call is allowed 30 s after the last allowed one.
      expect(limited.retryAfterSeconds).toBe(30);
    } finally {
      await api.kw.close();
    }
  });
});

describe('POST /v1/verify: a rate-limited answer says when to retry', () => {
  it('answers RATE_LIMITED with retryAfterSeconds for a key credential', async () => {
    const api = await makeApi();
    try {
      const k = await api.kw.keys.create({ appId: api.appId, environment: 'live', kind: 'secret', name: 'limited', ratelimit: { rate: 2, windowSeconds: 60, burst: 2 } }, CLI);
      const verify = async () => (await api.server.inject({ method: 'POST', url: '/v1/verify', headers: { authorization: `Bearer ${api.root}` }, payload: { credential: k.secret } })).json();
      expect(await verify()).toMatchObject({ valid: true, code: 'VALID' });
      expect((await verify()).retryAfterSeconds).toBeUndefined();
      const limited = await verify();
      expect(limited).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
      expect(limited.retryAfterSeconds).toBe(30);
    } finally {
      await api.kw.close();
    }
  });
});
