import type * as Argon2 from '@node-rs/argon2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, makeApi } from '../helpers.js';

/**
 * The login throttle under concurrency, end to end: real HTTP on loopback, real argon2 (counted
 * through a pass-through mock, so the test sees how many guesses were actually evaluated).
 */
const verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>();
  return {
    ...real,
    verify: (...args: Parameters<typeof real.verify>) => {
      verifications.count++;
      return real.verify(...args);
    },
  };
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listening() {
  const api = await makeApi();
  closers.push(() => api.kw.close(), () => api.server.close());
  const pk = (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: { kind: 'publishable', environment: 'live', name: 'app' } })).json().secret as string;
  const set = await api.server.inject({ method: 'PUT', url: '/v1/subjects/alice/password', headers: bearer(api.root), payload: { password: 'correct horse battery', appId: api.appId, environment: 'live' } });
  expect(set.statusCode).toBe(204);
  const base = await api.server.listen({ port: 0, host: '127.0.0.1' });
  const login = async (password: string) => {
    const res = await fetch(`${base}/v1/sessions/login`, { method: 'POST', headers: { 'x-api-key': pk, 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'alice', password }) });
    const body = (await res.json()) as { code?: string; sessionKey?: string };
    return { status: res.status, code: body.code, retryAfter: res.headers.get('retry-after'), body };
  };
  return { ...api, login };
}

describe('login throttle under concurrency (HTTP)', () => {
  it('of 20 parallel wrong passwords at most 5 reach argon2, the rest are LOGIN_THROTTLED; the right password is refused until the lock expires, then accepted', async () => {
    const { login, clock } = await listening();
    verifications.count = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(`wrong-guess-${i}`)));
    expect(verifications.count).toBeLessThanOrEqual(5);
    expect(verifications.count).toBe(5);
    const failed = answers.filter((a) => a.code === 'LOGIN_FAILED');
    const throttled = answers.filter((a) => a.code === 'LOGIN_THROTTLED');
    expect(failed).toHaveLength(4); // the 5th evaluated guess sets the lock and answers LOGIN_THROTTLED itself
    expect(throttled).toHaveLength(16);
    for (const t of throttled) {
      expect(t.status).toBe(429);
      expect(t.retryAfter).toBe('30');
    }

    // Locked: the right password is not even evaluated.
    clock.advance(29_999);
    const early = await login('correct horse battery');
    expect(early).toMatchObject({ status: 429, code: 'LOGIN_THROTTLED', retryAfter: '1' });
    expect(verifications.count).toBe(5);

    clock.advance(1);
    const ok = await login('correct horse battery');
    expect(ok.status).toBe(201);
    expect(ok.body.sessionKey).toMatch(/^kw_ss_live_/);
    expect(verifications.count).toBe(6);

    // The success cleared the failures: five fresh guesses are allowed again (4 fail, the 5th locks).
    const again = await Promise.all(Array.from({ length: 8 }, (_, i) => login(`again-${i}`)));
    expect(again.filter((a) => a.code === 'LOGIN_FAILED')).toHaveLength(4);
    expect(verifications.count).toBe(11);
  }, 120_000);

  it('after a lock expires, 20 parallel wrong guesses get exactly one evaluation, and the lock doubles', async () => {
    const { login, clock } = await listening();
    for (let i = 0; i < 5; i++) await login(`wrong-${i}`);
    clock.advance(30_000);
    verifications.count = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(`wrong-again-${i}`)));
    expect(verifications.count).toBe(1);
    expect(answers.every((a) => a.code === 'LOGIN_THROTTLED')).toBe(true);
    expect(new Set(answers.map((a) => a.retryAfter))).toEqual(new Set(['60']));
  }, 120_000);
});
