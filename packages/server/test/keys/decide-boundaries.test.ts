import { describe, expect, it } from 'vitest';
import { decideKey, deny, publicCode, type DenyReason } from '../../src/keys/decide.js';
import type { KeyRecord, KeySecret } from '../../src/keys/model.js';

/** decideKey() at each boundary and on each pass path (decide.test.ts has the refusal table). */
const NOW = Date.UTC(2026, 5, 1);
const base: KeyRecord = {
  id: 'key_1', appId: 'app_1', environment: 'live', kind: 'restricted', name: 'k', scopes: ['users:read'], subject: null, meta: {}, ipAllowList: [], enabled: true,
  expiresAtMs: null, revokedAtMs: null, revokedReason: null, exposedAtMs: null, start: 'kw_rk_live_abcd…', reissuedFromId: null, createdAtMs: NOW - 1000,
  updatedAtMs: NOW - 1000, version: 1, usageCount: 0, lastUsedAtMs: null,
};
const secret: KeySecret = { hash: 'h', keyId: 'key_1', start: base.start, createdAtMs: NOW - 1000, expiresAtMs: null };
const found = (over: Partial<KeyRecord> = {}, sec: Partial<KeySecret> = {}) => ({ key: { ...base, ...over }, secret: { ...secret, ...sec } });
const reason = (d: ReturnType<typeof decideKey>) => (d.valid ? 'VALID' : d.reason);

describe('decideKey(): boundaries', () => {
  it('a revocation applies from its instant on (one scheduled later does not yet)', () => {
    expect(reason(decideKey(found({ revokedAtMs: NOW }), {}, NOW))).toBe('REVOKED');
    expect(reason(decideKey(found({ revokedAtMs: NOW + 1 }), {}, NOW))).toBe('VALID');
  });

  it('a key expires at expiresAtMs exactly', () => {
    expect(reason(decideKey(found({ expiresAtMs: NOW + 1 }), {}, NOW))).toBe('VALID');
    expect(reason(decideKey(found({ expiresAtMs: NOW }), {}, NOW))).toBe('EXPIRED');
  });

  it('the app and environment asked for pass when they match', () => {
    expect(reason(decideKey(found(), { appId: 'app_1', environment: 'live' }, NOW))).toBe('VALID');
  });

  it('signing keys are app keys by default; the default refuses only root and refresh', () => {
    expect(reason(decideKey(found({ kind: 'signing' }), {}, NOW))).toBe('VALID');
    expect(reason(decideKey(found({ kind: 'bearer' }), {}, NOW))).toBe('VALID');
    expect(reason(decideKey(found({ kind: 'export' }), {}, NOW))).toBe('VALID');
    expect(reason(decideKey(found({ kind: 'refresh' as KeyRecord['kind'] }), {}, NOW))).toBe('KIND_NOT_ALLOWED');
    expect(reason(decideKey(found({ kind: 'secret' }), { kinds: ['secret'] }, NOW))).toBe('VALID');
  });
});

describe('decideKey(): subject binding', () => {
  it('a subject asked for is taken when the key names none, and must equal the key’s when it does', () => {
    expect(decideKey(found(), { subject: 'u1' }, NOW)).toMatchObject({ valid: true, subject: 'u1' });
    expect(decideKey(found({ subject: 'u1' }), { subject: 'u1' }, NOW)).toMatchObject({ valid: true, subject: 'u1' });
    expect(reason(decideKey(found({ subject: 'u1' }), { subject: 'u2' }, NOW))).toBe('SUBJECT_MISMATCH');
    expect(decideKey(found({ subject: 'u1' }), {}, NOW)).toMatchObject({ valid: true, subject: 'u1' });
    expect(decideKey(found(), {}, NOW)).toMatchObject({ valid: true, subject: null });
  });

  it('device keys, like publishable ones, must act for a subject', () => {
    expect(reason(decideKey(found({ kind: 'device' }), {}, NOW))).toBe('SUBJECT_REQUIRED');
    expect(reason(decideKey(found({ kind: 'device' }), { subject: 'd1' }, NOW))).toBe('VALID');
  });
});

describe('decideKey(): scopes, addresses and certificates', () => {
  it('no scopes asked for, or an empty list, checks none; each one asked for must be granted', () => {
    expect(reason(decideKey(found({ scopes: [] }), { scopes: [] }, NOW))).toBe('VALID');
    expect(reason(decideKey(found({ scopes: [] }), {}, NOW))).toBe('VALID');
    expect(reason(decideKey(found(), { scopes: ['users:read'] }, NOW))).toBe('VALID');
    expect(reason(decideKey(found(), { scopes: ['users:read', 'users:write'] }, NOW))).toBe('INSUFFICIENT_SCOPES');
    expect(decideKey(found(), {}, NOW)).toMatchObject({ scopes: ['users:read'] });
  });

  it('an address inside the allow-list passes', () => {
    expect(reason(decideKey(found({ ipAllowList: ['10.0.0.0/8'] }), { ip: '10.1.2.3' }, NOW))).toBe('VALID');
    expect(reason(decideKey(found(), { ip: '192.0.2.1' }, NOW))).toBe('VALID');
  });

  it('a key bound to a client certificate needs exactly that certificate', () => {
    const cert = 'ab'.repeat(32);
    expect(reason(decideKey(found({ clientCertSha256: cert }), { clientCertSha256: cert }, NOW))).toBe('VALID');
    expect(reason(decideKey(found({ clientCertSha256: cert }), { clientCertSha256: 'cd'.repeat(32) }, NOW))).toBe('CLIENT_CERT_MISMATCH');
    expect(reason(decideKey(found({ clientCertSha256: cert }), {}, NOW))).toBe('CLIENT_CERT_MISMATCH');
    expect(decideKey(found({ clientCertSha256: cert }), {}, NOW)).toMatchObject({ code: 'CLIENT_CERT_MISMATCH' });
    expect(reason(decideKey(found(), { clientCertSha256: cert }, NOW))).toBe('VALID');
  });
});

describe('publicCode() and deny()', () => {
  it.each([
    ['MALFORMED', 'INVALID_CREDENTIAL'],
    ['BAD_CHECKSUM', 'INVALID_CREDENTIAL'],
    ['NOT_FOUND', 'INVALID_CREDENTIAL'],
    ['REVOKED', 'INVALID_CREDENTIAL'],
    ['ROTATED_OUT', 'INVALID_CREDENTIAL'],
    ['WRONG_APP', 'INVALID_CREDENTIAL'],
    ['WRONG_ENVIRONMENT', 'INVALID_CREDENTIAL'],
    ['DISABLED', 'CREDENTIAL_DISABLED'],
    ['EXPIRED', 'CREDENTIAL_EXPIRED'],
    ['KIND_NOT_ALLOWED', 'KIND_NOT_ALLOWED'],
    ['SUBJECT_REQUIRED', 'SUBJECT_REQUIRED'],
    ['SUBJECT_MISMATCH', 'SUBJECT_MISMATCH'],
    ['INSUFFICIENT_SCOPES', 'INSUFFICIENT_SCOPES'],
    ['IP_NOT_ALLOWED', 'IP_NOT_ALLOWED'],
    ['CLIENT_CERT_MISMATCH', 'CLIENT_CERT_MISMATCH'],
    ['KEY_RATE_LIMIT', 'RATE_LIMITED'],
    ['IDENTITY_RATE_LIMIT', 'RATE_LIMITED'],
    ['CREDITS_EXHAUSTED', 'USAGE_EXCEEDED'],
    ['IDENTITY_CREDITS_EXHAUSTED', 'USAGE_EXCEEDED'],
  ] as const)('%s is answered as %s', (why, code) => {
    expect(publicCode(why as DenyReason)).toBe(code);
  });

  it('deny() carries the key only when given one', () => {
    expect(deny('REVOKED')).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    expect(deny('DISABLED', base)).toEqual({ valid: false, code: 'CREDENTIAL_DISABLED', reason: 'DISABLED', key: base });
  });
});
