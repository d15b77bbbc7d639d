import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/credentials/authenticate.js';
import type { KeyCredits } from '../../src/keys/credits.js';
import { SIGNATURE_HEADERS, authRequest, caller, stubVerifiers, validKey } from './stubs.js';

/**
 * authenticate() on stand-in verifiers: which verifier a credential reaches, what it is asked,
 * and how the answers combine. authenticate-rules.test.ts pins the same rules on real keys.
 */
const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';
const SESSION = 'kw_ss_live_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const bearer = (v: string) => ({ authorization: `Bearer ${v}` });
const CREDITS = { amount: 10 } as unknown as KeyCredits;

describe('authenticate(): what is presented', () => {
  it('no credential, two different ones, or a malformed Authorization is refused with its own reason', async () => {
    const { verifiers, seen } = stubVerifiers({});
    expect(await authenticate(authRequest({}), verifiers)).toEqual({ valid: false, code: 'CREDENTIAL_MISSING', reason: 'NONE' });
    expect(await authenticate(authRequest({ ...bearer(KEY), 'x-api-key': `${KEY}x` }), verifiers)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'AMBIGUOUS' });
    expect(await authenticate(authRequest({ authorization: 'Basic eA==' }), verifiers)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED_AUTHORIZATION' });
    expect(seen.keys).toEqual([]);
  });
});

describe('authenticate(): a bearer credential reaches the verifier its form names', () => {
  it('a JWT goes to the token verifier, with the context; none configured is TOKEN_INVALID', async () => {
    const token = { valid: true, code: 'VALID', caller: caller({ scheme: 'token', kind: 'token', signed: false }) } as const;
    const { verifiers, seen } = stubVerifiers({ token });
    expect(await authenticate(authRequest(bearer(JWT)), verifiers, { appId: 'app_1' })).toBe(token);
    expect(seen.tokens).toEqual([{ value: JWT, context: { appId: 'app_1' } }]);
    expect(seen.keys).toEqual([]);
    expect(await authenticate(authRequest(bearer(JWT)), stubVerifiers({}).verifiers)).toEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'TOKENS_NOT_CONFIGURED' });
  });

  it('a kw_ss_ key goes to the session verifier; none configured is INVALID_CREDENTIAL', async () => {
    const session = { valid: true, code: 'VALID', caller: caller({ scheme: 'session', kind: 'session', session: true, signed: false }) } as const;
    const { verifiers, seen } = stubVerifiers({ session });
    expect(await authenticate(authRequest(bearer(SESSION)), verifiers, { environment: 'test' })).toBe(session);
    expect(seen.sessions).toEqual([{ value: SESSION, context: { environment: 'test' } }]);
    expect(await authenticate(authRequest(bearer(SESSION)), stubVerifiers({}).verifiers)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'SESSIONS_NOT_CONFIGURED' });
  });

  it('any other key goes to the key verifier with the bearer kinds (never root, refresh or signing), the address and the context', async () => {
    const { verifiers, seen } = stubVerifiers({});
    await authenticate(authRequest(bearer(KEY), { clientCertSha256: 'ab'.repeat(32) }), verifiers, { appId: 'app_1', environment: 'live', deferCredits: true });
    expect(seen.keys).toEqual([
      {
        value: KEY,
        requirements: { kinds: ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device'], ip: '203.0.113.7', appId: 'app_1', environment: 'live', clientCertSha256: 'ab'.repeat(32), deferCredits: true },
      },
    ]);
    await authenticate(authRequest({ 'x-api-key': KEY }), verifiers);
    expect(seen.keys[1]!.requirements).toStrictEqual({ kinds: ['publishable', 'secret', 'restricted', 'export', 'bearer', 'device'], ip: '203.0.113.7' });
  });

  it.each([
    ['a subject', 'alice', 'alice'],
    ['a 256-character subject', 'a'.repeat(256), 'a'.repeat(256)],
    ['a 257-character subject', 'a'.repeat(257), undefined],
    ['an empty subject', '', undefined],
    ['a repeated subject header', ['alice', 'bob'], undefined],
  ])('X-Keyward-Subject: %s', async (_name, header, expected) => {
    const { verifiers, seen } = stubVerifiers({});
    await authenticate(authRequest({ ...bearer(KEY), 'x-keyward-subject': header }), verifiers);
    expect(seen.keys[0]!.requirements.subject).toBe(expected);
    expect('subject' in seen.keys[0]!.requirements).toBe(expected !== undefined);
  });

  it('a valid key becomes a key caller with the decision’s subject and scopes, unsigned, no session, not attested', async () => {
    const { verifiers } = stubVerifiers({ key: validKey({ kind: 'publishable' }, 'alice', ['orders:read']) });
    expect(await authenticate(authRequest(bearer(KEY)), verifiers)).toEqual({
      valid: true,
      code: 'VALID',
      caller: { scheme: 'key', kind: 'publishable', id: 'key_1', appId: 'app_1', environment: 'live', subject: 'alice', scopes: ['orders:read'], signed: false, session: false, attested: false },
    });
  });

  it('a metered key is marked meteredKey only when credits are deferred to the caller', async () => {
    const metered = validKey({ credits: CREDITS });
    const deferred = await authenticate(authRequest(bearer(KEY)), stubVerifiers({ key: metered }).verifiers, { deferCredits: true });
    expect(deferred).toMatchObject({ valid: true, code: 'VALID', caller: { meteredKey: true, id: 'key_1' } });
    const spentHere = await authenticate(authRequest(bearer(KEY)), stubVerifiers({ key: metered }).verifiers, {});
    expect(spentHere.valid && 'meteredKey' in spentHere.caller).toBe(false);
    const unmetered = await authenticate(authRequest(bearer(KEY)), stubVerifiers({}).verifiers, { deferCredits: true });
    expect(unmetered.valid && 'meteredKey' in unmetered.caller).toBe(false);
  });

  it('a key refusal keeps its code and reason, and its wait when it has one', async () => {
    const limited = stubVerifiers({ key: { valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', retryAfterMs: 1500 } });
    expect(await authenticate(authRequest(bearer(KEY)), limited.verifiers)).toEqual({ valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', retryAfterMs: 1500 });
    const revoked = stubVerifiers({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } });
    expect(await authenticate(authRequest(bearer(KEY)), revoked.verifiers)).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
  });
});

describe('authenticate(): signatures', () => {
  const signer = { valid: true, code: 'VALID', caller: caller() } as const;

  it('a signature alone is the caller; the signature verifier gets the request and the context', async () => {
    const { verifiers, seen } = stubVerifiers({ signature: signer });
    const req = authRequest(SIGNATURE_HEADERS);
    expect(await authenticate(req, verifiers, { appId: 'app_1' })).toBe(signer);
    expect(seen.signatures).toEqual([{ req, context: { appId: 'app_1' } }]);
  });

  it.each([
    ['Signature-Input', { 'signature-input': SIGNATURE_HEADERS['signature-input'] }],
    ['Signature', { signature: SIGNATURE_HEADERS.signature }],
  ])('%s beside a bearer credential is verified, and its refusal is the answer', async (_name, sig) => {
    const refused = { valid: false, code: 'SIGNATURE_INVALID', reason: 'BAD_SIGNATURE' } as const;
    const { verifiers, seen } = stubVerifiers({ signature: refused });
    expect(await authenticate(authRequest({ ...bearer(KEY), ...sig }), verifiers)).toBe(refused);
    expect(seen.keys).toHaveLength(1);
    expect(seen.signatures).toHaveLength(1);
  });

  it('a refused bearer credential is the answer: the signature is not consulted', async () => {
    const { verifiers, seen } = stubVerifiers({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' }, signature: signer });
    expect(await authenticate(authRequest({ ...bearer(KEY), ...SIGNATURE_HEADERS }), verifiers)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    expect(seen.signatures).toEqual([]);
  });

  it('a bearer credential and a signature of the same app and environment: the bearer acts, signed by the signer', async () => {
    const { verifiers } = stubVerifiers({ signature: signer });
    expect(await authenticate(authRequest({ ...bearer(KEY), ...SIGNATURE_HEADERS }), verifiers)).toEqual({
      valid: true,
      code: 'VALID',
      caller: { scheme: 'key', kind: 'secret', id: 'key_1', appId: 'app_1', environment: 'live', subject: null, scopes: ['*'], signed: true, signedBy: 'key_signer', session: false, attested: false },
    });
  });

  it.each([
    ['another app', { appId: 'app_2' }],
    ['another environment', { environment: 'test' as const }],
  ])('a signature of %s than the bearer credential is refused', async (_name, over) => {
    const { verifiers } = stubVerifiers({ signature: { valid: true, code: 'VALID', caller: caller(over) } });
    expect(await authenticate(authRequest({ ...bearer(KEY), ...SIGNATURE_HEADERS }), verifiers)).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'SIGNATURE_OTHER_APP' });
  });

  it('a signature with no signature verifier configured is refused', async () => {
    expect(await authenticate(authRequest(SIGNATURE_HEADERS), stubVerifiers({}).verifiers)).toEqual({ valid: false, code: 'SIGNATURE_INVALID', reason: 'SIGNATURES_NOT_CONFIGURED' });
  });
});
