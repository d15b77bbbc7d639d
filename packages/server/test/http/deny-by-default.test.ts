import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Keyward } from '../../src/keyward.js';
import { makeKeyward } from '../helpers.js';

const kws: Keyward[] = [];
afterEach(async () => {
  while (kws.length) await kws.pop()!.close();
});

describe('route registration is deny by default', () => {
  it('a route that declares no auth, or an unknown one, stops start-up; the same route declaring one starts', async () => {
    const { kw } = await makeKeyward();
    kws.push(kw);
    await expect(buildServer(kw, { plugins: [(s) => void s.get('/extra', async () => 'x')] })).rejects.toBeInstanceOf(Error);
    await expect(buildServer(kw, { plugins: [(s) => void s.get('/extra', { config: { auth: 'everyone' as never } }, async () => 'x')] })).rejects.toBeInstanceOf(Error);
    // A non-public route must also name the root-key permission it needs, from the closed list.
    await expect(buildServer(kw, { plugins: [(s) => void s.get('/extra', { config: { auth: 'root' } }, async () => 'x')] })).rejects.toThrow(/permission/);
    await expect(buildServer(kw, { plugins: [(s) => void s.get('/extra', { config: { auth: 'root-or-secret' } }, async () => 'x')] })).rejects.toThrow(/permission/);
    await expect(buildServer(kw, { plugins: [(s) => void s.get('/extra', { config: { auth: 'root', permission: 'everything' as never } }, async () => 'x')] })).rejects.toThrow(/permission/);
    const server = await buildServer(kw, { plugins: [(s) => void s.get('/extra', { config: { auth: 'root', permission: 'apps:read' } }, async () => 'x')] });
    expect(server.routeTable).toContainEqual({ method: 'GET', url: '/extra', auth: 'root', permission: 'apps:read' });
    // Declared root: without a key it is refused, so the declaration is enforced, not just recorded.
    const res = await server.inject({ method: 'GET', url: '/extra' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
  });
});
