import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { pathProblem } from '../../src/gateway/target.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { parseRaw, rawRequest } from './raw.js';
import { startUpstream } from './upstream.js';

const MAP = `
version: 1
resources:
  - name: own files
    path: /users/{userId}/files/*
    methods: [GET]
    allow: [publishable]
    subject: userId
  - name: own profile
    path: /users/{userId}/profile
    methods: [GET]
    allow: [publishable]
    subject: userId
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const { kw, clock } = await makeKeyward();
  clock.set(Date.now());
  cleanups.push(() => kw.close());
  const app = await kw.apps.create({ name: 'a' }, CLI);
  const pk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'app' }, CLI);
  const up = await startUpstream();
  cleanups.push(up.close);
  const policy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap(MAP)), limits: new MemoryRateLimitStore(), environment: 'live' });
  const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: (req) => req.socket.remoteAddress ?? '' });
  await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => gw.close());
  const url = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
  /** GET as alice, the target sent byte for byte. */
  const asAlice = async (target: string) => parseRaw(await rawRequest(url, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-Api-Key: ${pk.secret}\r\nX-Keyward-Subject: alice\r\n\r\n`));
  return { up, asAlice };
}

describe('gateway path canonicality', () => {
  it.each([
    ['..; path parameters', '/users/alice/files/..;/..;/bob/profile'],
    ['..%3b', '/users/alice/files/..%3b/..%3b/bob/profile'],
    ['%2e%2e;', '/users/alice/files/%2e%2e;/%2e%2e;/bob/profile'],
    ['%2E%2E%3B', '/users/alice/files/%2E%2E%3B/%2E%2E%3B/bob/profile'],
    ['a plain ;param', '/users/alice/files/a;jsessionid=1'],
    ['raw dot-dot', '/users/alice/files/../../bob/profile'],
    ['raw dot', '/users/alice/files/./x'],
    ['encoded dot-dot', '/users/alice/files/%2e%2e/%2E%2e/bob/profile'],
    ['double-encoded dot-dot', '/users/alice/files/%252e%252e/%252e%252e/bob/profile'],
    ['encoded slash', '/users/alice/files/..%2f..%2fbob%2fprofile'],
    ['double-encoded slash', '/users/alice/files/x%252fy'],
    ['backslash', '/users/alice/files/..\\..\\bob\\profile'],
    ['encoded backslash', '/users/alice/files/..%5c..%5cbob%5cprofile'],
    ['double slash', '/users/alice/files//etc'],
    ['leading double slash', '//users/alice/files/x'],
    ['encoded NUL', '/users/alice/files/x%00.txt'],
    ['malformed escape', '/users/alice/files/%zz'],
  ])('refuses %s with PATH_NOT_CANONICAL before matching; nothing reaches the upstream', async (_name, target) => {
    const s = await setup();
    expect(await s.asAlice(target)).toEqual({ status: 400, code: 'PATH_NOT_CANONICAL' });
    expect(s.up.seen).toHaveLength(0);
  });

  it('a canonical path is matched and forwarded exactly as sent (escapes included)', async () => {
    const s = await setup();
    expect(await s.asAlice('/users/alice/files/report%20q1.txt?v=2')).toEqual({ status: 200, code: undefined });
    expect(await s.asAlice('/users/bob/profile')).toEqual({ status: 403, code: 'SUBJECT_MISMATCH' });
    expect(s.up.seen.map((r) => r.url)).toEqual(['/users/alice/files/report%20q1.txt?v=2']);
  });

  it('names the reason for each refused form', () => {
    expect(pathProblem('/a/..;/b')).toBe('path_parameter');
    expect(pathProblem('/a/%2e%2e/b')).toBe('dot_segment');
    expect(pathProblem('/a/%25252e%25252e/b')).toBe('dot_segment');
    expect(pathProblem('/a/%2525252e/b')).toBe('nested_escape');
    expect(pathProblem('/a/b%2fc')).toBe('encoded_slash');
    expect(pathProblem('/a/b%5cc')).toBe('backslash');
    expect(pathProblem('/a//b')).toBe('empty_segment');
    expect(pathProblem('/a/%e2%28')).toBe('bad_escape');
    expect(pathProblem('/a/100%25')).toBeUndefined();
    expect(pathProblem('/a/b/')).toBeUndefined();
    expect(pathProblem('/')).toBeUndefined();
    expect(pathProblem('/a/.well-known/b..c')).toBeUndefined();
  });
});
