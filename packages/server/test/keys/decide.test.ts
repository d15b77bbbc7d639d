import { describe, expect, it } from 'vitest';
import { decideKey } from '../../src/keys/decide.js';
import type { KeyRecord, KeySecret } from '../../src/keys/model.js';
import { scopeGrants } from '../../src/keys/scopes.js';

const NOW = Date.UTC(2026, 5, 1);
const base: KeyRecord = {
  id: 'key_0000000000000000000001', appId: 'app_0000000000000000000001', environment: 'live', kind: 'restricted', name: 'k',
  scopes: ['users:read', 'tags:*'], subject: null, meta: {}, ipAllowList: [], enabled: true, expiresAtMs: null, revokedAtMs: null,
  revokedReason: null, exposedAtMs: null, start: 'kw_rk_live_abcd…', reissuedFromId: null, createdAtMs: NOW - 1000,
  updatedAtMs: NOW - 1000, version: 1, usageCount: 0, lastUsedAtMs: null,
};
const secret: KeySecret = { hash: 'h', keyId: base.id, start: base.start, createdAtMs: NOW - 1000, expiresAtMs: null };
const found = (over: Partial<KeyRecord> = {}, sec: Partial<KeySecret> = {}) => ({ key: { ...base, ...over }, secret: { ...secret, ...sec } });

describe('decideKey', () => {
  it('accepts a key that passes every check and returns its effective scopes and subject', () => {
    const d = decideKey(found(), { appId: base.appId!, environment: 'live', scopes: ['users:read', 'tags:write'] }, NOW);
    expect(d).toMatchObject({ valid: true, code: 'VALID', scopes: ['users:read', 'tags:*'], subject: null });
  });

  it.each([
    ['unknown', undefined, {}, 'INVALID_CREDENTIAL', 'NOT_FOUND'],
    ['revoked', found({ revokedAtMs: NOW - 1 }), {}, 'INVALID_CREDENTIAL', 'REVOKED'],
    ['old secret after grace', found({}, { expiresAtMs: NOW }), {}, 'INVALID_CREDENTIAL', 'ROTATED_OUT'],
    ['other app', found(), { appId: 'app_0000000000000000000002' }, 'INVALID_CREDENTIAL', 'WRONG_APP'],
    ['other environment', found(), { environment: 'test' as const }, 'INVALID_CREDENTIAL', 'WRONG_ENVIRONMENT'],
    ['disabled', found({ enabled: false }), {}, 'CREDENTIAL_DISABLED', 'DISABLED'],
    ['expired', found({ expiresAtMs: NOW }), {}, 'CREDENTIAL_EXPIRED', 'EXPIRED'],
    ['kind not allowed', found(), { kinds: ['secret' as const] }, 'KIND_NOT_ALLOWED', 'KIND_NOT_ALLOWED'],
    ['publishable without subject', found({ kind: 'publishable' }), {}, 'SUBJECT_REQUIRED', 'SUBJECT_REQUIRED'],
    ['bound subject mismatch', found({ subject: 'u1' }), { subject: 'u2' }, 'SUBJECT_MISMATCH', 'SUBJECT_MISMATCH'],
    ['missing scope', found(), { scopes: ['users:write'] }, 'INSUFFICIENT_SCOPES', 'INSUFFICIENT_SCOPES'],
    ['ip not allowed', found({ ipAllowList: ['10.0.0.0/8'] }), { ip: '192.168.1.1' }, 'IP_NOT_ALLOWED', 'IP_NOT_ALLOWED'],
    ['ip unknown with allow-list', found({ ipAllowList: ['10.0.0.0/8'] }), {}, 'IP_NOT_ALLOWED', 'IP_NOT_ALLOWED'],
  ])('%s → %s (%s)', (_name, f, req, code, reason) => {
    const d = decideKey(f, req, NOW);
    expect(d.valid).toBe(false);
    expect(d).toMatchObject({ code, reason });
  });

  it('runs the indistinguishable checks first: a revoked, disabled, expired key in another environment is INVALID_CREDENTIAL', () => {
    const d = decideKey(found({ revokedAtMs: NOW - 5, enabled: false, expiresAtMs: NOW - 1 }), { environment: 'test' }, NOW);
    expect(d).toMatchObject({ code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    const e = decideKey(found({ enabled: false, expiresAtMs: NOW - 1 }), { environment: 'test' }, NOW);
    expect(e).toMatchObject({ code: 'INVALID_CREDENTIAL', reason: 'WRONG_ENVIRONMENT' });
  });

  it('a secret key has every scope; a publishable key acts only for the subject it names', () => {
    expect(decideKey(found({ kind: 'secret', scopes: [] }), { scopes: ['anything:write'] }, NOW).valid).toBe(true);
    expect(decideKey(found({ kind: 'publishable' }), { subject: 'u1' }, NOW)).toMatchObject({ valid: true, subject: 'u1' });
    expect(decideKey(found({ kind: 'publishable', subject: 'u1' }), {}, NOW)).toMatchObject({ valid: true, subject: 'u1' });
  });

  it('root keys are never accepted unless asked for by kind', () => {
    expect(decideKey(found({ kind: 'root', appId: null, environment: null }), {}, NOW)).toMatchObject({ code: 'KIND_NOT_ALLOWED' });
    expect(decideKey(found({ kind: 'root', appId: null, environment: null }), { kinds: ['root'] }, NOW).valid).toBe(true);
  });

  it('the rotation grace period ends exactly at its boundary', () => {
    expect(decideKey(found({}, { expiresAtMs: NOW + 1 }), {}, NOW).valid).toBe(true);
    expect(decideKey(found({}, { expiresAtMs: NOW + 1 }), {}, NOW + 1).valid).toBe(false);
  });

  it('scope wildcards grant only their part', () => {
    expect(scopeGrants('*', 'a:b')).toBe(true);
    expect(scopeGrants('a:*', 'a:b')).toBe(true);
    expect(scopeGrants('*:read', 'a:read')).toBe(true);
    expect(scopeGrants('*:read', 'a:write')).toBe(false);
    expect(scopeGrants('a:*', 'ab:c')).toBe(false);
    expect(scopeGrants('a', 'a:read')).toBe(false);
  });
});
