import { describe, expect, it } from 'vitest';
import { verifyAny } from '../../src/credentials/verify-any.js';
import { SIGNATURE_HEADERS, caller, stubVerifiers, validKey } from './stubs.js';

/** verifyAny() on stand-in verifiers: how a credential or a whole request becomes an AuthRequest, and the one answer shape. */
const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

describe('verifyAny()', () => {
  it('a credential is presented as a Bearer token on POST /, with its subject and client address', async () => {
    const { verifiers, seen } = stubVerifiers({});
    const result = await verifyAny(verifiers, { credential: KEY, subject: 'alice', clientIp: '198.51.100.4' });
    expect(seen.keys).toEqual([{ value: KEY, requirements: expect.objectContaining({ subject: 'alice', ip: '198.51.100.4' }) }]);
    expect(result).toEqual({ valid: true, code: 'VALID', scheme: 'key', kind: 'secret', id: 'key_1', appId: 'app_1', environment: 'live', subject: null, scopes: ['*'], signed: false, session: false, attested: false });
  });

  it('without a subject or address, none is sent', async () => {
    const { verifiers, seen } = stubVerifiers({});
    await verifyAny(verifiers, { credential: KEY });
    expect(seen.keys[0]!.requirements).not.toHaveProperty('subject');
    expect(seen.keys[0]!.requirements.ip).toBe('');
  });

  it('a request keeps its method, target, body and address; header names are folded and repeats joined', async () => {
    const { verifiers, seen } = stubVerifiers({ signature: { valid: true, code: 'VALID', caller: caller() } });
    const body = new Uint8Array([1, 2]);
    await verifyAny(verifiers, {
      request: { method: 'PUT', target: '/o?x=1', body, clientIp: '192.0.2.1', headers: [['Signature-Input', SIGNATURE_HEADERS['signature-input']], ['Signature', SIGNATURE_HEADERS.signature], ['X-A', '1'], ['x-a', '2']] },
    });
    const req = seen.signatures[0]!.req;
    expect(req).toMatchObject({ method: 'PUT', rawTarget: '/o?x=1', body, clientIp: '192.0.2.1' });
    expect(req.headers).toEqual({ 'signature-input': SIGNATURE_HEADERS['signature-input'], signature: SIGNATURE_HEADERS.signature, 'x-a': '1, 2' });
    expect(req.rawHeaders).toEqual(['Signature-Input', SIGNATURE_HEADERS['signature-input'], 'Signature', SIGNATURE_HEADERS.signature, 'X-A', '1', 'x-a', '2']);
    const bare = stubVerifiers({ signature: { valid: true, code: 'VALID', caller: caller() } });
    await verifyAny(bare.verifiers, { request: { method: 'GET', target: '/', headers: Object.entries(SIGNATURE_HEADERS) } });
    expect(bare.seen.signatures[0]!.req.clientIp).toBe('');
    expect(bare.seen.signatures[0]!.req).not.toHaveProperty('body');
  });

  it('the app and environment scope reach the verifier; an empty scope is no scope', async () => {
    const { verifiers, seen } = stubVerifiers({});
    await verifyAny(verifiers, { credential: KEY }, { appId: 'app_1', environment: 'live' });
    expect(seen.keys[0]!.requirements).toMatchObject({ appId: 'app_1', environment: 'live' });
    await verifyAny(verifiers, { credential: KEY }, {});
    expect(seen.keys[1]!.requirements).not.toHaveProperty('appId');
    expect(seen.keys[1]!.requirements).not.toHaveProperty('environment');
  });

  it('a refusal is only its public code; the reason goes to onReason', async () => {
    const reasons: string[][] = [];
    const { verifiers } = stubVerifiers({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } });
    expect(await verifyAny(verifiers, { credential: KEY }, {}, (...r) => reasons.push(r))).toEqual({ valid: false, code: 'INVALID_CREDENTIAL' });
    expect(reasons).toEqual([['any', 'INVALID_CREDENTIAL', 'REVOKED']]);
  });

  it('works without an onReason hook', async () => {
    const refused = stubVerifiers({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } });
    expect(await verifyAny(refused.verifiers, { credential: KEY })).toEqual({ valid: false, code: 'INVALID_CREDENTIAL' });
    const narrow = stubVerifiers({ key: validKey({}, null, ['a:read']) });
    expect(await verifyAny(narrow.verifiers, { credential: KEY }, { scopes: ['b:write'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPES' });
  });

  it('every scope asked for must be granted', async () => {
    const reasons: string[][] = [];
    const { verifiers } = stubVerifiers({ key: validKey({}, null, ['orders:read']) });
    expect(await verifyAny(verifiers, { credential: KEY }, { scopes: ['orders:read', 'orders:write'] }, (...r) => reasons.push(r))).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPES' });
    expect(reasons).toEqual([['key', 'INSUFFICIENT_SCOPES', 'SCOPES']]);
    expect(await verifyAny(verifiers, { credential: KEY }, { scopes: ['orders:read'] })).toMatchObject({ valid: true });
    expect(await verifyAny(verifiers, { credential: KEY }, { scopes: [] })).toMatchObject({ valid: true });
  });
});
