import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { compileAccessMap, evaluate, explain } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';

const map = compileAccessMap(
  parseAccessMap(`
version: 1
resources:
  - name: own profile
    path: /users/{userId}/profile
    methods: [GET, PUT]
    allow: [publishable, session, device, secret]
    scopes: [profile:write]
    subject: userId
    require: [signature]
    minAppVersion: { live: 2.3.0 }
  - name: uploads
    path: /uploads/{userId}
    methods: [POST]
    allow: [token]
    scopes: [files:write]
    subject: userId
  - name: reports
    path: /reports/*
    allow: [export, secret]
    scopes: [reports:read]
    environments: [live]
  - name: me
    path: /users/me
    methods: [GET]
    allow: [session]
`),
);

const caller = (over: Partial<Caller>): Caller => ({ scheme: 'key', kind: 'publishable', id: 'key_1', appId: 'app_1', environment: 'live', subject: 'u1', scopes: ['profile:write'], signed: true, session: false, attested: false, ...over });

describe('access decisions', () => {
  it.each([
    ['own profile, signed, new app', 'GET', '/users/u1/profile', {}, '2.4.0', 'VALID'],
    ['another user (BOLA)', 'GET', '/users/u2/profile', {}, '2.4.0', 'SUBJECT_MISMATCH'],
    ['unsigned', 'GET', '/users/u1/profile', { signed: false }, '2.4.0', 'SIGNATURE_REQUIRED'],
    ['old app', 'PUT', '/users/u1/profile', {}, '2.2.9', 'UPGRADE_REQUIRED'],
    ['no app version', 'PUT', '/users/u1/profile', {}, undefined, 'UPGRADE_REQUIRED'],
    ['method not listed', 'DELETE', '/users/u1/profile', {}, '2.4.0', 'ACCESS_DENIED'],
    ['not in the map', 'GET', '/admin', {}, '2.4.0', 'ACCESS_DENIED'],
    ['wrong kind', 'GET', '/users/u1/profile', { kind: 'restricted' as const }, '2.4.0', 'KIND_NOT_ALLOWED'],
    ['missing scope', 'GET', '/users/u1/profile', { scopes: ['profile:read'] }, '2.4.0', 'INSUFFICIENT_SCOPES'],
    ['session acts for itself without scopes', 'GET', '/users/u1/profile', { kind: 'session' as const, scheme: 'session' as const, scopes: [], session: true }, '2.4.0', 'VALID'],
    ['secret key, any user', 'GET', '/users/u9/profile', { kind: 'secret' as const, subject: null, scopes: ['*'] }, '2.4.0', 'VALID'],
    ['publishable without subject', 'GET', '/users/u1/profile', { subject: null }, '2.4.0', 'SUBJECT_REQUIRED'],
    ['token for its own upload', 'POST', '/uploads/u1', { kind: 'token' as const, scopes: ['files:write'] }, undefined, 'VALID'],
    ['token for another user', 'POST', '/uploads/u2', { kind: 'token' as const, scopes: ['files:write'] }, undefined, 'SUBJECT_MISMATCH'],
    ['export in test environment', 'GET', '/reports/2026', { kind: 'export' as const, subject: null, scopes: ['*:read'], environment: 'test' as const }, undefined, 'ACCESS_DENIED'],
    ['export reads reports', 'GET', '/reports/2026/q1', { kind: 'export' as const, subject: null, scopes: ['*:read'] }, undefined, 'VALID'],
    ['static beats param', 'GET', '/users/me', { kind: 'session' as const, session: true, scopes: [] }, undefined, 'VALID'],
    ['encoded slash', 'GET', '/users/u1%2F..%2Fu2/profile', {}, '2.4.0', 'ACCESS_DENIED'],
  ])('%s → %s', (_name, method, path, over, appVersion, expected) => {
    const d = evaluate(map, { method, path, ...(appVersion ? { appVersion } : {}) }, caller(over));
    expect(d.allowed ? 'VALID' : d.code).toBe(expected);
  });

  it('explain lists each check with its outcome', () => {
    const { decision, steps } = explain(map, { method: 'GET', path: '/users/u2/profile', appVersion: '2.4.0' }, caller({}));
    expect(decision.allowed).toBe(false);
    expect(steps.map((s) => [s.check, s.ok])).toEqual([
      ['resource', true],
      ['environment', true],
      ['kind', true],
      ['require', true],
      ['PARAM_USERID_IS_NOT_CALLER', false],
    ]);
  });
});
