import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { decideAudience, expectedAudience } from '../../src/policy/audience.js';
import { compileAccessMap, evaluate, explain } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';

/**
 * Each access-map rule with its precise reason (the part of a refusal that goes to metrics and
 * `keyward policy explain`), and the order in which routes are tried. evaluate.test.ts has the
 * scenario table.
 */
// Parsed once, compiled in each test: Stryker activates a mutant per test run, so a map compiled
// at import time would keep the unmutated route order.
const PARSED = parseAccessMap(`
version: 1
audience: orders
resources:
  - name: any user
    path: /users/{userId}
    methods: [GET]
    allow: [secret]
  - name: me
    path: /users/me
    methods: [GET]
    allow: [session, secret]
  - name: write
    path: /items/{id}
    methods: [POST]
    allow: [secret, restricted, token]
    scopes: [items:write, items:read]
  - name: everything
    path: /open
    allow: [secret]
  - name: session only
    path: /session
    allow: [secret]
    require: [session]
  - name: attested only
    path: /attested
    allow: [secret]
    require: [attestation]
  - name: signed only
    path: /signed
    allow: [secret]
    require: [signature]
  - name: signed session
    path: /signed-session
    allow: [secret]
    require: [signature, session]
  - name: live only
    path: /live
    allow: [secret]
    environments: [live]
  - name: own data
    path: /data/{userId}
    allow: [secret, token]
    subject: userId
  - name: payments
    path: /pay
    allow: [token]
    audience: payments
  - name: versioned
    path: /v
    allow: [secret]
    minAppVersion: { live: 2.3.0 }
`);
const map = () => compileAccessMap(PARSED);

const caller = (over: Partial<Caller> = {}): Caller => ({ scheme: 'key', kind: 'secret', id: 'key_1', appId: 'app_1', environment: 'live', subject: null, scopes: ['*'], signed: false, session: false, attested: false, ...over });
const token = (over: Partial<Caller> = {}) => caller({ scheme: 'token', kind: 'token', audience: 'orders', subject: 'alice', ...over });
const decide = (method: string, path: string, who: Caller = caller(), extra: { appVersion?: string; audience?: string } = {}) => evaluate(map(), { method, path, ...extra }, who);

describe('evaluate(): reasons', () => {
  it.each([
    ['GET', '/users//x', 'ACCESS_DENIED', 'PATH_NOT_CANONICAL'],
    ['GET', '/nowhere', 'ACCESS_DENIED', 'NO_RESOURCE'],
    ['DELETE', '/users/bob', 'ACCESS_DENIED', 'METHOD_NOT_LISTED'],
    ['POST', '/session', 'ACCESS_DENIED', 'SESSION_REQUIRED'],
    ['POST', '/attested', 'ATTESTATION_REQUIRED', 'ATTESTATION_REQUIRED'],
    ['POST', '/signed', 'SIGNATURE_REQUIRED', 'SIGNATURE_REQUIRED'],
  ])('%s %s → %s (%s)', (method, path, code, reason) => {
    expect(decide(method, path)).toMatchObject({ allowed: false, code, reason });
  });

  it('the kind, environment, scope and version reasons name what was missing', () => {
    expect(decide('GET', '/open', caller({ kind: 'restricted' }))).toMatchObject({ code: 'KIND_NOT_ALLOWED', reason: 'KIND_RESTRICTED_NOT_IN_ALLOW' });
    expect(decide('GET', '/live', caller({ environment: 'test' }))).toMatchObject({ code: 'ACCESS_DENIED', reason: 'ENVIRONMENT_NOT_ALLOWED' });
    expect(decide('POST', '/items/1', caller({ scopes: ['items:read'] }))).toMatchObject({ code: 'INSUFFICIENT_SCOPES', reason: 'MISSING_SCOPE_items:write' });
    expect(decide('GET', '/v', caller(), { appVersion: '2.2.9' })).toMatchObject({ code: 'UPGRADE_REQUIRED', reason: 'APP_VERSION_BELOW_2.3.0' });
    expect(decide('GET', '/data/bob', caller({ subject: 'alice' }))).toMatchObject({ code: 'SUBJECT_MISMATCH', reason: 'PARAM_USERID_IS_NOT_CALLER' });
  });

  it('a refusal after the route matched carries the resource; one before does not', () => {
    expect(decide('GET', '/open', caller({ kind: 'restricted' }))).toMatchObject({ resource: { name: 'everything' } });
    expect(decide('GET', '/nowhere')).not.toHaveProperty('resource');
  });
});

describe('evaluate(): methods', () => {
  it('HEAD is allowed where GET is; other methods only where listed; a resource without methods allows any', () => {
    expect(decide('HEAD', '/users/bob')).toMatchObject({ allowed: true });
    expect(decide('HEAD', '/items/1')).toMatchObject({ allowed: false, reason: 'METHOD_NOT_LISTED' });
    expect(decide('get', '/users/bob')).toMatchObject({ allowed: true });
    expect(decide('PATCH', '/open')).toMatchObject({ allowed: true });
    expect(decide('POST', '/users/bob')).toMatchObject({ allowed: false, reason: 'METHOD_NOT_LISTED' });
  });
});

describe('evaluate(): route order', () => {
  it('a static route is tried before a parameter route declared ahead of it', () => {
    expect(decide('GET', '/users/me', caller({ kind: 'session', scheme: 'session', session: true, subject: 'alice' }))).toMatchObject({ allowed: true, resource: { name: 'me' } });
    expect(decide('GET', '/users/me')).toMatchObject({ allowed: true, resource: { name: 'me' } });
    expect(decide('GET', '/users/bob')).toMatchObject({ allowed: true, resource: { name: 'any user' }, params: { userId: 'bob' } });
  });

  it('when the first matching path does not list the method, a later route for the same path may', () => {
    const map = compileAccessMap(
      parseAccessMap(`
version: 1
resources:
  - name: read
    path: /x/{id}
    methods: [GET]
    allow: [secret]
  - name: write
    path: /x/{key}
    methods: [PUT]
    allow: [secret]
`),
    );
    expect(evaluate(map, { method: 'PUT', path: '/x/1' }, caller())).toMatchObject({ allowed: true, resource: { name: 'write' }, params: { key: '1' } });
  });
});

describe('evaluate(): proofs, subject and version', () => {
  it('each required proof passes when present', () => {
    expect(decide('GET', '/session', caller({ session: true }))).toMatchObject({ allowed: true });
    expect(decide('GET', '/attested', caller({ attested: true }))).toMatchObject({ allowed: true });
    expect(decide('GET', '/signed', caller({ signed: true }))).toMatchObject({ allowed: true });
  });

  it('a key that is not subject-bound is still held to its subject when it has one', () => {
    expect(decide('GET', '/data/bob', caller({ subject: 'bob' }))).toMatchObject({ allowed: true });
    expect(decide('GET', '/data/bob', caller({ subject: null }))).toMatchObject({ allowed: true });
  });

  it('the minimum version itself is enough', () => {
    expect(decide('GET', '/v', caller(), { appVersion: '2.3.0' })).toMatchObject({ allowed: true });
    expect(decide('GET', '/v', caller({ environment: 'test' }))).toMatchObject({ allowed: true });
  });
});

describe('evaluate(): token audience', () => {
  it('a token must carry the resource’s audience, else the map’s', () => {
    expect(decide('GET', '/data/alice', token())).toMatchObject({ allowed: true });
    expect(decide('GET', '/data/alice', token({ audience: 'payments' }))).toMatchObject({ allowed: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' });
    expect(decide('GET', '/pay', token({ audience: 'payments' }))).toMatchObject({ allowed: true });
    expect(decide('GET', '/pay', token())).toMatchObject({ allowed: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE', resource: { name: 'payments' } });
  });

  it('a key is not held to an audience', () => {
    expect(decide('GET', '/pay', caller({ kind: 'token', audience: 'nothing' }))).toMatchObject({ allowed: true });
  });
});

describe('explain()', () => {
  it('names every check passed, with its detail, in order', () => {
    const { decision, steps } = explain(map(), { method: 'POST', path: '/items/7' }, token({ scopes: ['items:write', 'items:read'] }));
    expect(decision).toMatchObject({ allowed: true });
    expect(steps).toEqual([
      { check: 'resource', ok: true, detail: 'write (/items/{id}, line 13)' },
      { check: 'environment', ok: true, detail: 'live' },
      { check: 'kind', ok: true, detail: 'token is allowed' },
      { check: 'audience', ok: true, detail: 'orders' },
      { check: 'scopes', ok: true, detail: 'items:write items:read' },
    ]);
  });

  it('lists required proofs, the subject and the app version when they were checked', () => {
    expect(explain(map(), { method: 'GET', path: '/signed' }, caller({ signed: true })).steps.slice(3)).toEqual([{ check: 'require', ok: true, detail: 'signature' }]);
    expect(explain(map(), { method: 'GET', path: '/signed-session' }, caller({ signed: true, session: true })).steps.slice(3)).toEqual([{ check: 'require', ok: true, detail: 'signature, session' }]);
    expect(explain(map(), { method: 'GET', path: '/data/bob' }, caller({ subject: 'bob' })).steps.slice(3)).toEqual([{ check: 'subject', ok: true, detail: '{userId} = bob' }]);
    expect(explain(map(), { method: 'GET', path: '/v', appVersion: '2.4.0' }, caller()).steps.slice(3)).toEqual([{ check: 'app version', ok: true, detail: '2.4.0 >= 2.3.0' }]);
    expect(explain(map(), { method: 'GET', path: '/nowhere' }, caller()).steps).toEqual([{ check: 'NO_RESOURCE', ok: false, detail: 'ACCESS_DENIED' }]);
  });
});

describe('audiences', () => {
  it('expectedAudience: the resource’s, else the map’s, else the server’s', () => {
    expect(expectedAudience({ audience: 'm' }, { audience: 'r' }, 's')).toBe('r');
    expect(expectedAudience({ audience: 'm' }, {}, 's')).toBe('m');
    expect(expectedAudience({}, {}, 's')).toBe('s');
    expect(expectedAudience({}, { audience: 'r' }, undefined)).toBe('r');
    expect(expectedAudience({}, {}, undefined)).toBeUndefined();
    // A resource routed to a named upstream takes that upstream's audience before the map's.
    const upstreams = { orders: { name: 'orders', url: 'http://o', audience: 'u' }, plain: { name: 'plain', url: 'http://p', audience: undefined } };
    expect(expectedAudience({ audience: 'm', upstreams }, { upstream: 'orders' }, 's')).toBe('u');
    expect(expectedAudience({ audience: 'm', upstreams }, { audience: 'r', upstream: 'orders' }, 's')).toBe('r');
    expect(expectedAudience({ audience: 'm', upstreams }, { upstream: 'plain' }, 's')).toBe('m');
  });

  it('decideAudience: tokens only, fail closed when nothing is configured', () => {
    expect(decideAudience({ scheme: 'key' }, undefined)).toEqual({ ok: true });
    expect(decideAudience({ scheme: 'token', audience: 'a' }, 'a')).toEqual({ ok: true });
    expect(decideAudience({ scheme: 'token', audience: 'a' }, 'b')).toEqual({ ok: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' });
    expect(decideAudience({ scheme: 'token' }, 'b')).toEqual({ ok: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE' });
    expect(decideAudience({ scheme: 'token', audience: 'a' }, undefined)).toEqual({ ok: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE_NOT_CONFIGURED' });
  });

  it('with no audience anywhere, a token is refused by the map', () => {
    const bare = compileAccessMap(parseAccessMap(`
version: 1
resources:
  - name: t
    path: /t
    allow: [token]
`));
    expect(evaluate(bare, { method: 'GET', path: '/t' }, token())).toMatchObject({ allowed: false, code: 'TOKEN_INVALID', reason: 'AUDIENCE_NOT_CONFIGURED' });
    expect(evaluate(bare, { method: 'GET', path: '/t', audience: 'orders' }, token())).toMatchObject({ allowed: true });
  });
});
