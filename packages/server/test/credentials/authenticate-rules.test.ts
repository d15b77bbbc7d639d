import { afterEach, describe, expect, it } from 'vitest';
import { authenticate, type AuthRequest, type CredentialVerifiers } from '../../src/credentials/authenticate.js';
import type { Caller, CallerResult } from '../../src/credentials/caller.js';
import type { Keyward } from '../../src/keyward.js';
import { CLI, makeKeyward } from '../helpers.js';

/**
 * The rules of authenticate() that no end-to-end test could tell apart (mutation testing found them
 * unpinned): a signature that is present always decides, a signature and a bearer credential must
 * name the same app and environment, and the caller's app/environment scope reaches the verifier.
 * Real keys on a real store; the signature scheme is a stand-in that answers what the test says,
 * since what is tested here is how authenticate() combines the answers.
 */
const kws: Keyward[] = [];
afterEach(async () => {
  while (kws.length) await kws.pop()!.close();
});

async function setup() {
  const { kw } = await makeKeyward();
  kws.push(kw);
  const a = await kw.apps.create({ name: 'a' }, CLI);
  const b = await kw.apps.create({ name: 'b' }, CLI);
  const sk = await kw.keys.create({ appId: a.id, environment: 'live', kind: 'secret', name: 'a-live' }, CLI);
  return { kw, a: a.id, b: b.id, secret: sk.secret, keyId: sk.key.id };
}

const signedBy = (appId: string, environment: 'live' | 'test'): Caller => ({ scheme: 'signature', kind: 'signing', id: 'key_signer', appId, environment, subject: null, scopes: ['*'], signed: true, session: false, attested: false });

function request(secret: string | undefined, signed: boolean): AuthRequest {
  const headers: Record<string, string> = {};
  if (secret) headers.authorization = `Bearer ${secret}`;
  if (signed) {
    headers['signature-input'] = 'sig=("@method");created=1;keyid="key_signer"';
    headers.signature = 'sig=:AAAA:';
  }
  return { method: 'GET', rawTarget: '/x', headers, rawHeaders: Object.entries(headers).flat(), clientIp: '127.0.0.1' };
}

function verifiers(kw: Keyward, signature: CallerResult): CredentialVerifiers {
  return { keys: kw.verifier, signatures: async () => signature };
}

describe('authenticate(): how a signature and a bearer credential combine', () => {
  it('a failing signature fails the request even with a valid bearer credential (no fallback, no downgrade)', async () => {
    const s = await setup();
    const result = await authenticate(request(s.secret, true), verifiers(s.kw, { valid: false, code: 'SIGNATURE_INVALID', reason: 'BAD_SIGNATURE' }));
    expect(result).toEqual({ valid: false, code: 'SIGNATURE_INVALID', reason: 'BAD_SIGNATURE' });
    // The same bearer credential alone is valid: it is the signature that refused.
    expect((await authenticate(request(s.secret, false), verifiers(s.kw, { valid: false, code: 'SIGNATURE_INVALID', reason: 'BAD_SIGNATURE' }))).valid).toBe(true);
  });

  it('a signature from another app, or another environment, than the bearer credential is refused', async () => {
    const s = await setup();
    for (const [appId, env] of [[s.b, 'live'], [s.a, 'test']] as const) {
      const result = await authenticate(request(s.secret, true), verifiers(s.kw, { valid: true, code: 'VALID', caller: signedBy(appId, env) }));
      expect(result, `${appId}/${env}`).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'SIGNATURE_OTHER_APP' });
    }
    const same = await authenticate(request(s.secret, true), verifiers(s.kw, { valid: true, code: 'VALID', caller: signedBy(s.a, 'live') }));
    expect(same).toMatchObject({ valid: true, caller: { id: s.keyId, signed: true, signedBy: 'key_signer' } });
  });

  it('a signature present without a signature scheme configured is refused, not ignored', async () => {
    const s = await setup();
    expect(await authenticate(request(s.secret, true), { keys: s.kw.verifier })).toEqual({ valid: false, code: 'SIGNATURE_INVALID', reason: 'SIGNATURES_NOT_CONFIGURED' });
  });
});

describe('authenticate(): the caller scope reaches the verifier', () => {
  it('a key of another app, or of another environment, than the context names is refused with the precise reason', async () => {
    const s = await setup();
    const v: CredentialVerifiers = { keys: s.kw.verifier };
    expect(await authenticate(request(s.secret, false), v, { appId: s.b })).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'WRONG_APP' });
    expect(await authenticate(request(s.secret, false), v, { environment: 'test' })).toEqual({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'WRONG_ENVIRONMENT' });
    expect(await authenticate(request(s.secret, false), v, { appId: s.a, environment: 'live' })).toMatchObject({ valid: true, caller: { appId: s.a, environment: 'live' } });
  });
});
