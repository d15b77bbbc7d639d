import { generateKey } from '@keyward/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/http/types.js';
import type { Keyward } from '../../src/keyward.js';
import { progressEnabled, progressLine } from '../../src/scan/progress.js';
import { bearer, CLI, makeApi } from '../helpers.js';

describe('POST /v1/keys/lookup (keyward scan --verify)', () => {
  let kw: Keyward;
  let server: Server;
  let root: string;
  let appId: string;
  beforeAll(async () => {
    ({ kw, server, root, appId } = await makeApi());
  });
  afterAll(async () => {
    await server.close();
    await kw.close();
  });

  const lookup = (key: string, secrets: string[]) => server.inject({ method: 'POST', url: '/v1/keys/lookup', headers: bearer(key), payload: { secrets } });

  it('answers active, revoked (also a rotated-out secret past its grace) and unknown, in order', async () => {
    const live = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'a' }, CLI);
    const gone = await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'b' }, CLI);
    await kw.keys.revoke(gone.key.id, 'x', CLI);
    const rotated = await kw.keys.create({ appId, environment: 'test', kind: 'secret', name: 'c' }, CLI);
    await kw.keys.rotate(rotated.key.id, 0, CLI);
    const res = await lookup(root, [live.secret, gone.secret, rotated.secret, generateKey('secret', 'live'), 'not a key']);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [{ status: 'active', keyId: live.key.id }, { status: 'revoked', keyId: gone.key.id }, { status: 'revoked', keyId: rotated.key.id }, { status: 'unknown' }, { status: 'unknown' }],
    });
    expect(res.body).not.toContain(live.secret);
  });

  it('a root key restricted to other apps learns nothing about this app\'s keys; keys:read is required', async () => {
    const key = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'd' }, CLI);
    const other = await kw.apps.create({ name: 'other' }, CLI);
    const narrow = await kw.rootKeys.create({ name: 'narrow', permissions: ['keys:read'], appIds: [other.id] }, CLI);
    expect((await lookup(narrow.secret, [key.secret, root])).json()).toEqual({ items: [{ status: 'unknown' }, { status: 'unknown' }] });
    const noRead = await kw.rootKeys.create({ name: 'noread', permissions: ['apps:read'] }, CLI);
    expect((await lookup(noRead.secret, [key.secret])).statusCode).toBe(403);
  });
});

describe('progress line', () => {
  it('only on a terminal, never in CI', () => {
    expect(progressEnabled(true, {})).toBe(true);
    expect(progressEnabled(false, {})).toBe(false);
    expect(progressEnabled(undefined, {})).toBe(false);
    expect(progressEnabled(true, { CI: 'true' })).toBe(false);
    expect(progressEnabled(true, { CI: 'false' })).toBe(true);
  });

  it('shows files, bytes and findings', () => {
    expect(progressLine(12, 3 * 1024 * 1024, 1)).toMatch(/12 files, 3\.0 MiB, 1 finding$/);
    expect(progressLine(0, 0, 2)).toMatch(/0 files, 0 B, 2 findings$/);
  });
});
