import { describe, expect, it } from 'vitest';
import { CLI, makeApi } from '../helpers.js';

async function signIn() {
  const api = await makeApi();
  const res = await api.server.inject({ method: 'POST', url: '/v1/console/session', payload: { rootKey: api.root } });
  expect(res.statusCode).toBe(201);
  const setCookie = String(res.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
  return { ...api, res, setCookie, cookie, csrf: res.json().csrfToken as string };
}

describe('dashboard sign-in: a root key exchanged for a short-lived cookie session', () => {
  it('sets an HttpOnly, SameSite=Strict cookie with a max age, and never echoes the key', async () => {
    const { res, setCookie, root, kw } = await signIn();
    expect(setCookie).toMatch(/^kw_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    expect(res.body).not.toContain(root);
    expect(res.json().rootKey).toMatchObject({ permissions: ['*'], appIds: null });
    const audit = await kw.store.listAudit({ limit: 100 });
    expect(audit.map((r) => r.action)).toContain('console.sign_in');
    expect(JSON.stringify(audit)).not.toContain(root);
  });

  it('the cookie authenticates admin reads; a change needs the CSRF header, compared exactly', async () => {
    const { server, cookie, csrf } = await signIn();
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } })).statusCode).toBe(200);
    const noCsrf = await server.inject({ method: 'POST', url: '/v1/apps', headers: { cookie }, payload: { name: 'x' } });
    expect(noCsrf.json().code).toBe('FORBIDDEN');
    const wrong = await server.inject({ method: 'POST', url: '/v1/apps', headers: { cookie, 'x-keyward-csrf': `${csrf.slice(0, -1)}A` === csrf ? `${csrf.slice(0, -1)}B` : `${csrf.slice(0, -1)}A` }, payload: { name: 'x' } });
    expect(wrong.json().code).toBe('FORBIDDEN');
    const ok = await server.inject({ method: 'POST', url: '/v1/apps', headers: { cookie, 'x-keyward-csrf': csrf }, payload: { name: 'x' } });
    expect(ok.statusCode).toBe(201);
  });

  it('GET /v1/console/session answers the same CSRF token after a reload; a wrong key signs nobody in', async () => {
    const { server, cookie, csrf, root } = await signIn();
    expect((await server.inject({ method: 'GET', url: '/v1/console/session', headers: { cookie } })).json().csrfToken).toBe(csrf);
    const bad = await server.inject({ method: 'POST', url: '/v1/console/session', payload: { rootKey: `${root.slice(0, -2)}xx` } });
    expect(bad.statusCode).toBeGreaterThanOrEqual(400);
    expect(bad.headers['set-cookie']).toBeUndefined();
    expect((await server.inject({ method: 'GET', url: '/v1/console/session' })).json().code).toBe('UNAUTHORIZED');
  });

  it('a non-root key cannot sign in', async () => {
    const { server, kw, appId } = await signIn();
    const secret = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
    const res = await server.inject({ method: 'POST', url: '/v1/console/session', payload: { rootKey: secret.secret } });
    expect(res.json().code).toBe('UNAUTHORIZED');
  });

  it('signing out ends the session on the server (the old cookie no longer works) and clears the cookie', async () => {
    const { server, cookie, csrf } = await signIn();
    expect((await server.inject({ method: 'DELETE', url: '/v1/console/session', headers: { cookie } })).json().code).toBe('FORBIDDEN');
    const out = await server.inject({ method: 'DELETE', url: '/v1/console/session', headers: { cookie, 'x-keyward-csrf': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^kw_console=; .*Max-Age=0/);
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } })).json().code).toBe('UNAUTHORIZED');
  });

  it('expiry ends the session on the server (frozen clock)', async () => {
    const { server, cookie, clock } = await signIn();
    clock.advance(3599_000);
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } })).statusCode).toBe(200);
    clock.advance(1000);
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } })).json().code).toBe('UNAUTHORIZED');
  });

  it('revoking the root key ends its dashboard sessions at once', async () => {
    const { server, cookie, kw } = await signIn();
    const second = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'second', permissions: ['*'] }, CLI);
    const signed = await server.inject({ method: 'POST', url: '/v1/console/session', payload: { rootKey: second.secret } });
    const cookie2 = String(signed.headers['set-cookie']).split(';')[0]!;
    await kw.keys.revoke(second.key.id, 'left the team', CLI);
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie: cookie2 } })).json().code).toBe('UNAUTHORIZED');
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } })).statusCode).toBe(200);
  });

  it('a restricted root key signed in keeps its restriction', async () => {
    const { server, kw } = await signIn();
    const reader = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'reader', permissions: ['apps:read'] }, CLI);
    const signed = await server.inject({ method: 'POST', url: '/v1/console/session', payload: { rootKey: reader.secret } });
    const cookie = String(signed.headers['set-cookie']).split(';')[0]!;
    const csrf = signed.json().csrfToken as string;
    expect((await server.inject({ method: 'GET', url: '/v1/apps', headers: { cookie } })).statusCode).toBe(200);
    expect((await server.inject({ method: 'POST', url: '/v1/apps', headers: { cookie, 'x-keyward-csrf': csrf }, payload: { name: 'x' } })).json().code).toBe('INSUFFICIENT_PERMISSION');
  });

  it('serves the dashboard shell at / with a strict content security policy', async () => {
    const { server } = await signIn();
    const res = await server.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});
