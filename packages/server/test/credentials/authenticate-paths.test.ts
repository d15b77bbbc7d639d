import { describe, expect, it } from 'vitest';
import { authenticate, type AuthContext, type AuthRequest, type CredentialVerifiers } from '../../src/credentials/authenticate.js';
import type { Caller, CallerResult } from '../../src/credentials/caller.js';
import type { ExternalToken } from '../../src/oidc/scheme.js';
import type { KeyCredits } from '../../src/keys/credits.js';
import type { KeyDecision, VerifyRequirements } from '../../src/keys/decide.js';
import type { KeyRecord } from '../../src/keys/model.js';
import type { KeyVerifier } from '../../src/keys/verifier.js';
import type { PolicyState } from '../../src/ratelimit/headers.js';

/**
 * authenticate() on the paths its first suite (authenticate.test.ts) does not take: a bearer
 * credential answered asynchronously beside a signature, tokens of an app's own identity provider,
 * the budgets a key decision carries, and the key a connection presented last. The verifiers are
 * in-memory fakes of the narrow interfaces authenticate() calls, recording what they were asked.
 */
const KEY_A = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const KEY_B = 'kw_sk_live_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
/** Same length as KEY_A, one character apart. */
const KEY_A2 = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab';
const MALFORMED_KEY = 'kw_sk_live_short';
const APP = 'app_0123456789abcdefghijkl';
const SIG = { 'signature-input': 'sig=("@method");created=1;keyid="key_signer"', signature: 'sig=:AAAA:' };
const bearer = (v: string) => ({ authorization: `Bearer ${v}` });

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (header: Record<string, unknown>) => `${b64(header)}.${b64({ sub: 'u' })}.c2ln`;
const EXTERNAL_JWT = jwt({ alg: 'RS256', kid: 'idp-key-1' });
const KEYWARD_JWT = jwt({ alg: 'EdDSA', kid: 'jwk_0123456789abcdefghijkl' });
const KIDLESS_JWT = jwt({ alg: 'EdDSA' });

const RECORD = { id: 'key_1', appId: 'app_1', environment: 'live', kind: 'secret', credits: null, identity: null } as unknown as KeyRecord;
const CREDITS = { amount: 10, refill: null } as KeyCredits;
const POLICIES: readonly PolicyState[] = [{ name: 'kw:key', quota: 5, windowSeconds: 60, remaining: 4, resetMs: 12_000 }];

function request(headers: Record<string, string | string[]>, over: Partial<AuthRequest> = {}): AuthRequest {
  return { method: 'GET', rawTarget: '/x', headers, rawHeaders: [], clientIp: '203.0.113.7', ...over };
}

const signer: Caller = { scheme: 'signature', kind: 'signing', id: 'key_signer', appId: 'app_1', environment: 'live', subject: null, scopes: ['*'], signed: true, session: false, attested: false };
const tokenCaller: Caller = { scheme: 'token', kind: 'token', id: 'jti_1', appId: 'app_1', environment: 'live', subject: 'u', scopes: ['a'], signed: false, session: false, attested: false };
const valid = (caller: Caller): CallerResult => ({ valid: true, code: 'VALID', caller });

/** Scheme verifiers that answer what the test says and record their inputs. */
function schemes(answers: { token?: CallerResult; oidc?: CallerResult; signature?: CallerResult }) {
  const seen = { tokens: [] as string[], oidc: [] as { input: ExternalToken; context: AuthContext }[], signatures: 0 };
  const v: Omit<CredentialVerifiers, 'keys'> = {
    ...(answers.token ? { tokens: async (value: string) => (seen.tokens.push(value), answers.token!) } : {}),
    ...(answers.oidc ? { oidc: async (input: ExternalToken, context: AuthContext) => (seen.oidc.push({ input, context }), answers.oidc!) } : {}),
    ...(answers.signature ? { signatures: async () => (seen.signatures++, answers.signature!) } : {}),
  };
  return { v, seen };
}

/**
 * The key verifier's three entry points, over a table of keys by their "digest": `digest` hashes
 * (here `h:` + the key, or a MALFORMED refusal for a short one), `verifyDigest` decides from the
 * table as it is at that moment, so a change (a revocation) applies to the next call.
 */
function fakeKeys(options: { async?: boolean } = {}) {
  const table = new Map<string, KeyDecision>([
    [`h:${KEY_A}`, { valid: true, code: 'VALID', key: RECORD, subject: null, scopes: ['*'] }],
    [`h:${KEY_B}`, { valid: true, code: 'VALID', key: { ...RECORD, id: 'key_2' }, subject: null, scopes: ['*'] }],
    [`h:${KEY_A2}`, { valid: true, code: 'VALID', key: { ...RECORD, id: 'key_3' }, subject: null, scopes: ['*'] }],
  ]);
  const calls = { verify: [] as string[], digest: [] as string[], verifyDigest: [] as string[] };
  const decide = (hash: string): KeyDecision => table.get(hash) ?? { valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' };
  const answer = (d: KeyDecision) => (options.async ? Promise.resolve(d) : d);
  const digest = (presented: string): string | KeyDecision => {
    calls.digest.push(presented);
    return presented.length < 40 ? { valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED' } : `h:${presented}`;
  };
  const keys = {
    verify: (presented: string) => {
      calls.verify.push(presented);
      const h = presented.length < 40 ? undefined : `h:${presented}`;
      return answer(h === undefined ? { valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED' } : decide(h));
    },
    digest,
    verifyDigest: (hash: string, _req: VerifyRequirements) => (calls.verifyDigest.push(hash), answer(decide(hash))),
  } as unknown as KeyVerifier;
  return { keys, table, calls };
}

/** A key verifier that answers one decision to every call. */
function answering(d: KeyDecision): KeyVerifier {
  return { verify: () => d } as unknown as KeyVerifier;
}

describe('authenticate(): a bearer credential answered asynchronously beside a signature', () => {
  it('a failing signature is the answer, never the valid bearer token beside it', async () => {
    const refused: CallerResult = { valid: false, code: 'SIGNATURE_INVALID', reason: 'BAD_SIGNATURE' };
    const { v, seen } = schemes({ token: valid(tokenCaller), signature: refused });
    const result = await authenticate(request({ ...bearer(KEYWARD_JWT), ...SIG }), { keys: fakeKeys().keys, ...v });
    expect(result).toStrictEqual(refused);
    expect(seen.tokens).toEqual([KEYWARD_JWT]);
    expect(seen.signatures).toBe(1);
  });

  it('a failing signature beside a key verified from the store (a promise) is the answer', async () => {
    const refused: CallerResult = { valid: false, code: 'SIGNATURE_INVALID', reason: 'EXPIRED' };
    const { v } = schemes({ signature: refused });
    const { keys } = fakeKeys({ async: true });
    expect(await authenticate(request({ ...bearer(KEY_A), ...SIG }), { keys, ...v })).toStrictEqual(refused);
  });

  it('an asynchronous refusal of the bearer credential is the answer, and the signature is not consulted', async () => {
    const { v, seen } = schemes({ signature: valid(signer) });
    const { keys } = fakeKeys({ async: true });
    expect(await authenticate(request({ ...bearer(KEY_B.replace('b', 'c')), ...SIG }), { keys, ...v })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    expect(seen.signatures).toBe(0);
  });

  it('a valid signature of the same app and environment: the asynchronously verified bearer acts, signed', async () => {
    const { v } = schemes({ token: valid(tokenCaller), signature: valid(signer) });
    expect(await authenticate(request({ ...bearer(KEYWARD_JWT), ...SIG }), { keys: fakeKeys().keys, ...v })).toStrictEqual({
      valid: true,
      code: 'VALID',
      caller: { ...tokenCaller, signed: true, signedBy: 'key_signer' },
    });
  });

  it('a valid signature of another app than the asynchronously verified bearer is refused', async () => {
    const { v } = schemes({ token: valid(tokenCaller), signature: valid({ ...signer, appId: 'app_2' }) });
    expect(await authenticate(request({ ...bearer(KEYWARD_JWT), ...SIG }), { keys: fakeKeys().keys, ...v })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'SIGNATURE_OTHER_APP' });
  });
});

describe('authenticate(): tokens of an app’s own identity provider', () => {
  const oidcCaller: Caller = { ...tokenCaller, scheme: 'oidc', kind: 'oidc', id: 'oidc:u' };

  it('a JWT whose kid is not a Keyward id goes to the identity provider verifier, with the context and no app', async () => {
    const { v, seen } = schemes({ token: valid(tokenCaller), oidc: valid(oidcCaller) });
    const result = await authenticate(request(bearer(EXTERNAL_JWT)), { keys: fakeKeys().keys, ...v }, { environment: 'live' });
    expect(result).toStrictEqual(valid(oidcCaller));
    expect(seen.oidc).toStrictEqual([{ input: { token: EXTERNAL_JWT }, context: { environment: 'live' } }]);
    expect(seen.tokens).toEqual([]);
  });

  it.each([
    ['a jwk_ kid', KEYWARD_JWT],
    ['no kid', KIDLESS_JWT],
  ])('a JWT with %s goes to Keyward’s token verifier even when an identity provider is configured', async (_name, token) => {
    const { v, seen } = schemes({ token: valid(tokenCaller), oidc: valid(oidcCaller) });
    expect(await authenticate(request(bearer(token)), { keys: fakeKeys().keys, ...v })).toStrictEqual(valid(tokenCaller));
    expect(seen.tokens).toEqual([token]);
    expect(seen.oidc).toEqual([]);
  });

  it('without an identity provider verifier, an external JWT goes to Keyward’s token verifier (which refuses it)', async () => {
    const refused: CallerResult = { valid: false, code: 'TOKEN_INVALID', reason: 'UNKNOWN_KID' };
    const { v, seen } = schemes({ token: refused });
    expect(await authenticate(request(bearer(EXTERNAL_JWT)), { keys: fakeKeys().keys, ...v })).toStrictEqual(refused);
    expect(seen.tokens).toEqual([EXTERNAL_JWT]);
  });

  it('X-Keyward-App names the app whose providers check the token', async () => {
    const { v, seen } = schemes({ oidc: valid(oidcCaller) });
    await authenticate(request({ ...bearer(EXTERNAL_JWT), 'x-keyward-app': APP }), { keys: fakeKeys().keys, ...v });
    expect(seen.oidc.map((o) => o.input)).toStrictEqual([{ token: EXTERNAL_JWT, appId: APP }]);
  });

  it.each([
    ['not an app id', 'my-app'],
    ['an app id with a suffix', `${APP}x`],
    ['empty', ''],
    ['repeated', [APP]],
  ])('an X-Keyward-App that is %s is refused as BAD_APP_HEADER without consulting the provider', async (_name, header) => {
    const { v, seen } = schemes({ oidc: valid(oidcCaller) });
    expect(await authenticate(request({ ...bearer(EXTERNAL_JWT), 'x-keyward-app': header }), { keys: fakeKeys().keys, ...v })).toStrictEqual({ valid: false, code: 'TOKEN_INVALID', reason: 'BAD_APP_HEADER' });
    expect(seen.oidc).toEqual([]);
  });
});

describe('authenticate(): the budgets a key decision carries', () => {
  const decision = (over: Partial<KeyRecord> = {}, extra: { policies?: readonly PolicyState[] } = {}): KeyDecision => ({ valid: true, code: 'VALID', key: { ...RECORD, ...over }, subject: null, scopes: ['*'], ...extra });
  const keyCaller: Caller = { scheme: 'key', kind: 'secret', id: 'key_1', appId: 'app_1', environment: 'live', subject: null, scopes: ['*'], signed: false, session: false, attested: false };

  it('a refusal with a wait keeps the policies that refused it', async () => {
    const refused: KeyDecision = { valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', key: RECORD, retryAfterMs: 900, policies: POLICIES };
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(refused) })).toStrictEqual({ valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', retryAfterMs: 900, policies: POLICIES });
  });

  it('a key with its own rate limit: the caller carries what the limit said, and nothing about credits', async () => {
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({}, { policies: POLICIES })) })).toStrictEqual(valid({ ...keyCaller, limitPolicies: POLICIES }));
  });

  it('a metered key whose credits are spent here (not deferred) is not marked metered, with or without policies', async () => {
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({ credits: CREDITS }, { policies: POLICIES })) })).toStrictEqual(valid({ ...keyCaller, limitPolicies: POLICIES }));
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({ credits: CREDITS })) })).toStrictEqual(valid(keyCaller));
  });

  it('an unmetered key with deferred credits is not marked metered, with or without policies', async () => {
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({}, { policies: POLICIES })) }, { deferCredits: true })).toStrictEqual(valid({ ...keyCaller, limitPolicies: POLICIES }));
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision()) }, { deferCredits: true })).toStrictEqual(valid(keyCaller));
  });

  it('a metered key with deferred credits carries its credits (and no limit policies when it has none)', async () => {
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({ credits: CREDITS })) }, { deferCredits: true })).toStrictEqual(valid({ ...keyCaller, meteredKey: true, credits: CREDITS }));
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({ credits: CREDITS }, { policies: POLICIES })) }, { deferCredits: true })).toStrictEqual(
      valid({ ...keyCaller, meteredKey: true, credits: CREDITS, limitPolicies: POLICIES }),
    );
  });

  it('a key metered only through its identity, with deferred credits, is marked metered without credits of its own', async () => {
    const identity = { id: 'idt_1', externalId: 'acme', meta: {}, ratelimit: null, metered: true };
    expect(await authenticate(request(bearer(KEY_A)), { keys: answering(decision({ identity })) }, { deferCredits: true })).toStrictEqual(valid({ ...keyCaller, meteredKey: true }));
  });
});

describe('authenticate(): the key a connection presented last', () => {
  it('a key repeated on one connection is hashed once, and decided again on every request', async () => {
    const { keys, calls } = fakeKeys();
    const connection = {};
    for (let i = 0; i < 3; i++) expect(await authenticate(request(bearer(KEY_A), { connection }), { keys })).toMatchObject({ valid: true, caller: { id: 'key_1' } });
    expect(calls.digest).toEqual([KEY_A]);
    expect(calls.verifyDigest).toEqual([`h:${KEY_A}`, `h:${KEY_A}`, `h:${KEY_A}`]);
    expect(calls.verify).toEqual([]);
  });

  it('a revocation applies to the next request on the connection', async () => {
    const { keys, table } = fakeKeys();
    const connection = {};
    expect(await authenticate(request(bearer(KEY_A), { connection }), { keys })).toMatchObject({ valid: true });
    table.set(`h:${KEY_A}`, { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    expect(await authenticate(request(bearer(KEY_A), { connection }), { keys })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
  });

  it('another key on the same connection, of another or the same length, is hashed and decided as itself', async () => {
    const { keys, calls } = fakeKeys();
    const connection = {};
    await authenticate(request(bearer(KEY_A), { connection }), { keys });
    expect(await authenticate(request(bearer(KEY_A2), { connection }), { keys })).toMatchObject({ valid: true, caller: { id: 'key_3' } });
    expect(await authenticate(request(bearer(`${KEY_B}b`), { connection }), { keys })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'NOT_FOUND' });
    expect(calls.digest).toEqual([KEY_A, KEY_A2, `${KEY_B}b`]);
  });

  it('a refused key is not remembered: presented again, it is hashed again', async () => {
    const { keys, calls, table } = fakeKeys();
    table.set(`h:${KEY_B}`, { valid: false, code: 'CREDENTIAL_DISABLED', reason: 'DISABLED' });
    const connection = {};
    for (let i = 0; i < 2; i++) expect(await authenticate(request(bearer(KEY_B), { connection }), { keys })).toStrictEqual({ valid: false, code: 'CREDENTIAL_DISABLED', reason: 'DISABLED' });
    expect(calls.digest).toEqual([KEY_B, KEY_B]);
  });

  it('a malformed key is refused by its digest step, with no decision asked for', async () => {
    const { keys, calls } = fakeKeys();
    expect(await authenticate(request(bearer(MALFORMED_KEY), { connection: {} }), { keys })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'MALFORMED' });
    expect(calls.verifyDigest).toEqual([]);
  });

  it('each connection remembers its own key: another connection hashes it again', async () => {
    const { keys, calls } = fakeKeys();
    await authenticate(request(bearer(KEY_A), { connection: {} }), { keys });
    await authenticate(request(bearer(KEY_A), { connection: {} }), { keys });
    expect(calls.digest).toEqual([KEY_A, KEY_A]);
  });

  it('a key verified from the store (a promise) is remembered once accepted', async () => {
    const { keys, calls } = fakeKeys({ async: true });
    const connection = {};
    await authenticate(request(bearer(KEY_A), { connection }), { keys });
    expect(await authenticate(request(bearer(KEY_A), { connection }), { keys })).toMatchObject({ valid: true, caller: { id: 'key_1' } });
    expect(calls.digest).toEqual([KEY_A]);
  });

  it('without a connection the key goes to verify() whole', async () => {
    const { keys, calls } = fakeKeys();
    await authenticate(request(bearer(KEY_A)), { keys });
    expect(calls).toEqual({ verify: [KEY_A], digest: [], verifyDigest: [] });
  });
});

describe('authenticate(): a key beside an Authorization: Signature scheme', () => {
  it('is refused as AMBIGUOUS, not dropped in favour of the valid signature', async () => {
    const { v, seen } = schemes({ signature: valid(signer) });
    const { keys, calls } = fakeKeys();
    const unknownKey = KEY_B.replace('b', 'c');
    expect(await authenticate(request({ authorization: 'Signature x', ...SIG, 'x-api-key': unknownKey }), { keys, ...v })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'AMBIGUOUS' });
    expect(seen.signatures).toBe(0);
    expect(calls.verify).toEqual([]);
  });
});
