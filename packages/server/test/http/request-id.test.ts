import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { makeApi } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('request ids on the admin API', () => {
  it('keeps a valid incoming X-Request-Id, on Fastify routes and on the verify fast path, and replaces an invalid one', async () => {
    const api = await makeApi();
    cleanups.push(() => api.kw.close());
    await api.server.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => api.server.close());
    const base = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}`;
    const auth = { authorization: `Bearer ${api.root}`, 'content-type': 'application/json' };
    for (const [method, url, body] of [['GET', '/v1/apps', undefined], ['POST', '/v1/keys/verify', JSON.stringify({ key: 'kw_sk_live_nope' })]] as const) {
      const kept = await request(base + url, { method, headers: { ...auth, 'x-request-id': 'lb.4f2a-77:1' }, ...(body ? { body } : {}) });
      await kept.body.dump();
      expect(kept.headers['x-request-id'], url).toBe('lb.4f2a-77:1');
      const replaced = await request(base + url, { method, headers: { ...auth, 'x-request-id': 'evil\tvalue with spaces' }, ...(body ? { body } : {}) });
      await replaced.body.dump();
      expect(replaced.headers['x-request-id'], url).toMatch(/^req_[0-9A-Za-z]{22}$/);
    }
  });
});
