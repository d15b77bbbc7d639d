import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET } from '@keyward/protocol';
import { bearer, CLI, makeApi, makeKeyward } from '../helpers.js';

async function setup() {
  const { kw, clock } = await makeKeyward();
  const app = await kw.apps.create({ name: 'a' }, CLI);
  return { kw, clock, app };
}

describe('sessions', () => {
  it('a session key differs on every login and works until its own expiry; refresh rotates both tokens', async () => {
    const { kw, clock, app } = await setup();
    const a = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1', device: { name: 'Pixel 8', platform: 'android' } }, CLI);
    const b = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    expect(a.sessionKey).toMatch(/^kw_ss_live_/);
    expect(a.refreshToken).toMatch(/^kw_rf_live_/);
    expect(a.sessionKey).not.toBe(b.sessionKey);
    expect(await kw.sessions.verify(a.sessionKey)).toMatchObject({ valid: true, session: { subject: 'u1' } });
    clock.advance(3600_000);
    expect(await kw.sessions.verify(a.sessionKey)).toMatchObject({ valid: false, code: 'SESSION_EXPIRED', reason: 'KEY_EXPIRED' });
    const r = await kw.sessions.refresh(a.refreshToken);
    expect(r.valid).toBe(true);
    expect(r.sessionKey).not.toBe(a.sessionKey);
    expect(r.refreshToken).not.toBe(a.refreshToken);
    expect((await kw.sessions.verify(r.sessionKey!)).valid).toBe(true);
    expect((await kw.sessions.verify(a.sessionKey)).valid).toBe(false);
    await kw.close();
  });

  it('idle and absolute expiry end the session exactly at their boundaries (frozen clock)', async () => {
    const { kw, clock, app } = await setup();
    const s = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    let refresh = s.refreshToken;
    // Stay active: refresh every 6 days; the absolute limit (30 days) still ends it.
    for (let day = 6; day < 30; day += 6) {
      clock.advance(6 * 86400_000);
      const r = await kw.sessions.refresh(refresh);
      expect(r.valid, `day ${day}`).toBe(true);
      refresh = r.refreshToken!;
    }
    clock.set(s.session.absoluteExpiresAtMs - 1);
    const lastRefresh = await kw.sessions.refresh(refresh);
    expect(lastRefresh.valid).toBe(true);
    // A fresh, never-used refresh token: only the absolute limit can refuse it (not reuse detection).
    clock.set(s.session.absoluteExpiresAtMs);
    expect(await kw.sessions.refresh(lastRefresh.refreshToken!)).toMatchObject({ valid: false, code: 'SESSION_EXPIRED', reason: 'ABSOLUTE' });

    const idle = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u2' }, CLI);
    clock.advance(7 * 86400_000 - 1);
    expect((await kw.sessions.refresh(idle.refreshToken)).valid).toBe(true);
    const idle2 = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u3' }, CLI);
    clock.advance(7 * 86400_000);
    expect(await kw.sessions.refresh(idle2.refreshToken)).toMatchObject({ valid: false, code: 'SESSION_EXPIRED', reason: 'IDLE' });
    await kw.close();
  });

  it('reusing a spent refresh token revokes the session family, including the newest session key', async () => {
    const { kw, app } = await setup();
    const s = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    const r1 = await kw.sessions.refresh(s.refreshToken);
    expect(r1.valid).toBe(true);
    expect(await kw.sessions.refresh(s.refreshToken)).toMatchObject({ valid: false, code: 'REFRESH_REUSED' });
    expect(await kw.sessions.verify(r1.sessionKey!)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect(await kw.sessions.refresh(r1.refreshToken!)).toMatchObject({ valid: false });
    expect((await kw.store.listAudit({ limit: 50, target: s.session.id })).map((a) => a.action)).toContain('session.revoke');
    await kw.close();
  });

  it('50 concurrent refreshes with one token: exactly one succeeds', async () => {
    const { kw, app } = await setup();
    const s = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    const results = await Promise.all(Array.from({ length: 50 }, () => kw.sessions.refresh(s.refreshToken)));
    expect(results.filter((r) => r.valid)).toHaveLength(1);
    expect(results.filter((r) => !r.valid && r.code === 'REFRESH_REUSED').length).toBe(49);
    await kw.close();
  });

  it('revoke one session, or all of a subject\'s; listing shows device and last use', async () => {
    const { kw, clock, app } = await setup();
    const a = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1', device: { name: 'iPhone', platform: 'ios', appVersion: '2.1.0' } }, CLI);
    const b = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    const c = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u2' }, CLI);
    clock.advance(5000);
    await kw.sessions.verify(a.sessionKey);
    const listed = await kw.sessions.list(app.id, 'live', 'u1');
    expect(listed).toHaveLength(2);
    expect(listed.find((s) => s.id === a.session.id)).toMatchObject({ device: { name: 'iPhone', platform: 'ios', appVersion: '2.1.0' }, lastUsedAtMs: clock() });
    await kw.sessions.revoke(a.session.id, 'lost phone', CLI);
    expect((await kw.sessions.verify(a.sessionKey)).valid).toBe(false);
    expect((await kw.sessions.verify(b.sessionKey)).valid).toBe(true);
    expect(await kw.sessions.revokeAllForSubject(app.id, 'live', 'u1', 'password changed', CLI)).toBe(1);
    expect((await kw.sessions.verify(b.sessionKey)).valid).toBe(false);
    expect((await kw.sessions.verify(c.sessionKey)).valid).toBe(true);
    await kw.close();
  });

  it('sessions never cross environments or apps', async () => {
    const { kw, app } = await setup();
    const s = await kw.sessions.create({ appId: app.id, environment: 'test', subject: 'u1' }, CLI);
    expect(await kw.sessions.verify(s.sessionKey, { environment: 'live' })).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect(await kw.sessions.verify(s.sessionKey, { appId: 'app_0000000000000000000000' })).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
    await kw.close();
  });

  it('arbitrary and mutated session keys and refresh tokens are never accepted and never throw (10^4 cases)', async () => {
    const { kw, app } = await setup();
    const s = await kw.sessions.create({ appId: app.id, environment: 'live', subject: 'u1' }, CLI);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.tuple(fc.constantFrom(s.sessionKey, s.refreshToken), fc.nat(), fc.constantFrom(...BASE62_ALPHABET)).map(([k, p, c]) => k.slice(0, p % k.length) + c + k.slice((p % k.length) + 1))), async (candidate) => {
        fc.pre(candidate !== s.sessionKey && candidate !== s.refreshToken);
        const v = await kw.sessions.verify(candidate);
        const r = candidate.startsWith('kw_rf_') ? await kw.sessions.refresh(candidate) : { valid: false };
        return v.valid === false && r.valid === false;
      }),
      { numRuns: 10_000 },
    );
    expect((await kw.sessions.verify(s.sessionKey)).valid).toBe(true);
    await kw.close();
  }, 60_000);
});

describe('password login', () => {
  it('argon2id hashes, success issues a session, failures are throttled per account and unlock after the window', async () => {
    const { kw, clock, app } = await setup();
    await kw.sessions.setPassword(app.id, 'live', 'alice', 'correct horse battery staple', CLI);
    const rows = await kw.store.db.selectFrom('subject_passwords' as never).selectAll().execute();
    expect(JSON.stringify(rows)).toContain('$argon2id$');
    expect(JSON.stringify(rows)).not.toContain('correct horse');
    const ok = await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'alice', password: 'correct horse battery staple' }, CLI);
    expect(ok).toMatchObject({ valid: true });
    for (let i = 0; i < 4; i++) expect(await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'alice', password: `wrong-${i}-xxxx` }, CLI)).toMatchObject({ code: 'LOGIN_FAILED' });
    expect(await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'alice', password: 'wrong-5-xxxx' }, CLI)).toMatchObject({ code: 'LOGIN_THROTTLED', retryAfterSeconds: 30 });
    // Locked: even the right password is refused until the window passes.
    expect(await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'alice', password: 'correct horse battery staple' }, CLI)).toMatchObject({ code: 'LOGIN_THROTTLED' });
    clock.advance(30_000);
    expect(await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'alice', password: 'correct horse battery staple' }, CLI)).toMatchObject({ valid: true });
    await kw.close();
  }, 60_000);

  it('an unknown subject answers exactly like a wrong password', async () => {
    const { kw, app } = await setup();
    await kw.sessions.setPassword(app.id, 'live', 'alice', 'correct horse battery staple', CLI);
    const unknown = await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'mallory', password: 'whatever-123' }, CLI);
    const wrong = await kw.sessions.login({ appId: app.id, environment: 'live', subject: 'alice', password: 'whatever-123' }, CLI);
    expect(unknown.code).toBe('LOGIN_FAILED');
    expect(wrong.code).toBe('LOGIN_FAILED');
    await kw.close();
  }, 30_000);
});

describe('sessions over HTTP', () => {
  it('backend creates a session with its secret key; the app refreshes; reuse is refused with REFRESH_REUSED', async () => {
    const api = await makeApi();
    const sk = (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: { kind: 'secret', environment: 'live', name: 'backend' } })).json().secret;
    const created = await api.server.inject({ method: 'POST', url: '/v1/sessions', headers: bearer(sk), payload: { subject: 'user_1', device: { name: 'Pixel', platform: 'android' } } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { refreshToken, session } = created.json();
    expect(session).toMatchObject({ subject: 'user_1', environment: 'live', device: { name: 'Pixel' } });
    const refreshed = await api.server.inject({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const reused = await api.server.inject({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken } });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().code).toBe('REFRESH_REUSED');
    const listed = await api.server.inject({ method: 'GET', url: '/v1/sessions?subject=user_1&includeRevoked=true', headers: bearer(sk) });
    expect(listed.json().items[0].revokedReason).toBe('refresh token reused');
    const asRootNoScope = await api.server.inject({ method: 'GET', url: '/v1/sessions', headers: bearer(api.root) });
    expect(asRootNoScope.json().code).toBe('VALIDATION_FAILED');
    await api.server.close();
    await api.kw.close();
  });

  it('password login needs the app\'s publishable key and returns LOGIN_FAILED / LOGIN_THROTTLED with Retry-After', async () => {
    const api = await makeApi();
    const pk = (await api.server.inject({ method: 'POST', url: `/v1/apps/${api.appId}/keys`, headers: bearer(api.root), payload: { kind: 'publishable', environment: 'live', name: 'app' } })).json().secret;
    const set = await api.server.inject({ method: 'PUT', url: '/v1/subjects/alice/password', headers: bearer(api.root), payload: { password: 'correct horse battery', appId: api.appId, environment: 'live' } });
    expect(set.statusCode).toBe(204);
    expect((await api.server.inject({ method: 'POST', url: '/v1/sessions/login', payload: { subject: 'alice', password: 'correct horse battery' } })).json().code).toBe('UNAUTHORIZED');
    const ok = await api.server.inject({ method: 'POST', url: '/v1/sessions/login', headers: { 'x-api-key': pk }, payload: { subject: 'alice', password: 'correct horse battery' } });
    expect(ok.statusCode).toBe(201);
    let last;
    for (let i = 0; i < 5; i++) last = await api.server.inject({ method: 'POST', url: '/v1/sessions/login', headers: { 'x-api-key': pk }, payload: { subject: 'alice', password: 'nope-nope-nope' } });
    expect(last!.statusCode).toBe(429);
    expect(last!.json().code).toBe('LOGIN_THROTTLED');
    expect(last!.headers['retry-after']).toBe('30');
    expect(last!.body).not.toContain('nope-nope');
    await api.server.close();
    await api.kw.close();
  }, 60_000);
});
