import { createHash, createHmac } from 'node:crypto';
import { buildSignatureParams, serializeInnerList, signatureBase, type HttpMessageView } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryNonceStore, type NonceOutcome, type NonceStore } from '../../src/signatures/nonce-store.js';
import { verifyRequestSignature, type VerifyRequestOptions } from '../../src/signatures/verify.js';

/**
 * verifyRequestSignature() rule by rule. Requests are signed here with the protocol's base builder
 * and HMAC, so each test sets exactly the parameters its rule reads (a missing keyid, a 7-character
 * nonce, a second label). verify.test.ts and the Appendix B vectors cover the SDK round trip.
 */
const NOW_S = 1_780_000_000;
const SECRET = 'kw_hk_live_0123456789abcdefghijABCDEFGHIJ012345';
const DEFAULT = ['@method', '@authority', '@path', '@query'];
type Params = { created?: number; expires?: number; nonce?: string; alg?: string; keyid?: string; tag?: string };
const PARAMS: Params = { created: NOW_S, nonce: 'nonce-0001', keyid: 'key_sig' };

interface Sig {
  label?: string;
  names?: readonly string[];
  params?: Params;
  secret?: string;
}

const digestOf = (body: string, alg: 'sha256' | 'sha512' = 'sha256') => `${alg === 'sha256' ? 'sha-256' : 'sha-512'}=:${createHash(alg).update(body).digest('base64')}:`;

/** A POST https://api.example.com/o?x=1 with `headers`, carrying one Signature-Input/Signature line per signature. */
function message(sigs: readonly Sig[], headers: [string, string][] = []): HttpMessageView {
  const headerLines: [string, string][] = [['Host', 'api.example.com'], ...headers];
  const view: HttpMessageView = { method: 'POST', scheme: 'https', authority: 'api.example.com', rawTarget: '/o?x=1', headerLines };
  const inputs: string[] = [];
  const signatures: string[] = [];
  for (const s of sigs) {
    const components = (s.names ?? DEFAULT).map((name) => ({ name, params: [] }));
    const params = buildSignatureParams(components, s.params ?? PARAMS);
    const mac = createHmac('sha256', s.secret ?? SECRET).update(signatureBase(view, { components, raw: params })).digest('base64');
    inputs.push(`${s.label ?? 'kw'}=${serializeInnerList(params)}`);
    signatures.push(`${s.label ?? 'kw'}=:${mac}:`);
  }
  return { ...view, headerLines: [...headerLines, ['Signature-Input', inputs.join(', ')], ['Signature', signatures.join(', ')]] };
}

const KEY = { alg: 'hmac-sha256' as const, secrets: [new TextEncoder().encode(SECRET)], keyId: 'key_sig', owner: 'owner' };
function options(over: Partial<VerifyRequestOptions<string>> = {}): VerifyRequestOptions<string> {
  return { resolveKey: (id) => (id === 'key_sig' ? KEY : undefined), nonces: new MemoryNonceStore({ maxPerKey: 100, now: () => NOW_S * 1000 }), now: () => NOW_S * 1000 + 999, ...over };
}
const verdict = async (view: HttpMessageView, over: Partial<VerifyRequestOptions<string>> = {}, body?: string) => {
  const r = await verifyRequestSignature(view, body === undefined ? undefined : new TextEncoder().encode(body), options(over));
  return r.valid ? `VALID ${r.label}` : `${r.code}/${r.reason}`;
};
const withLines = (view: HttpMessageView, lines: ReadonlyArray<readonly [string, string]>): HttpMessageView => ({ ...view, headerLines: [...view.headerLines.filter(([n]) => !/^signature/i.test(n)), ...lines] });

describe('headers', () => {
  it('none is SIGNATURE_REQUIRED; one of the two is INCOMPLETE', async () => {
    const signed = message([{}]);
    const input = signed.headerLines.find(([n]) => n === 'Signature-Input')!;
    const sig = signed.headerLines.find(([n]) => n === 'Signature')!;
    expect(await verdict(withLines(signed, []))).toBe('SIGNATURE_REQUIRED/NO_SIGNATURE');
    expect(await verdict(withLines(signed, [input]))).toBe('SIGNATURE_INVALID/INCOMPLETE_SIGNATURE_HEADERS');
    expect(await verdict(withLines(signed, [sig]))).toBe('SIGNATURE_INVALID/INCOMPLETE_SIGNATURE_HEADERS');
    expect(await verdict(signed)).toBe('VALID kw');
  });

  it('malformed fields are SIGNATURE_INVALID with the parser’s message', async () => {
    expect(await verdict(withLines(message([{}]), [['Signature-Input', 'kw=('], ['Signature', 'kw=:AAAA:']]))).toMatch(/^SIGNATURE_INVALID\/MALFORMED_HEADERS: .+ at offset \d+$/);
    expect(await verdict(withLines(message([{}]), [['Signature-Input', 'kw=()'], ['Signature', 'kw=1']]))).toBe('SIGNATURE_INVALID/MALFORMED_HEADERS: Signature kw is not a byte sequence');
  });

  it('an empty Signature-Input is SIGNATURE_REQUIRED', async () => {
    expect(await verdict(withLines(message([{}]), [['Signature-Input', ' '], ['Signature', 'kw=:AAAA:']]))).toBe('SIGNATURE_REQUIRED/EMPTY_SIGNATURE_INPUT');
  });

  it('eight signatures are read (the last may be the valid one); nine are refused', async () => {
    const broken = (i: number): Sig => ({ label: `s${i}`, secret: 'wrong' });
    const eight = message([...Array.from({ length: 7 }, (_, i) => broken(i)), { label: 'good' }]);
    expect(await verdict(eight)).toBe('VALID good');
    const nine = message([...Array.from({ length: 8 }, (_, i) => broken(i)), { label: 'good' }]);
    expect(await verdict(nine)).toBe('SIGNATURE_INVALID/TOO_MANY_SIGNATURES');
  });

  it('field lines are combined: trimmed, joined with ", "', async () => {
    const a = message([{ label: 'a', secret: 'wrong' }]);
    const b = message([{ label: 'b', params: { ...PARAMS, nonce: 'nonce-0002' } }]);
    const line = (v: HttpMessageView, n: string) => v.headerLines.find(([x]) => x === n)![1];
    const twoLines = withLines(a, [
      ['Signature-Input', `\t${line(a, 'Signature-Input')}`],
      ['Signature-Input', `${line(b, 'Signature-Input')} `],
      ['Signature', `\t${line(a, 'Signature')}`],
      ['Signature', line(b, 'Signature')],
    ]);
    expect(await verdict(twoLines)).toBe('VALID b');
    expect(await verdict(withLines(b, [['Signature-Input', `\t${line(b, 'Signature-Input')}\t`], ['Signature', line(b, 'Signature')]]))).toBe('VALID b');
  });
});

describe('several signatures', () => {
  it('the first label that verifies wins; if none does, the first failure is the answer', async () => {
    expect(await verdict(message([{ label: 'a', secret: 'wrong' }, { label: 'b', params: { ...PARAMS, nonce: 'nonce-0002' } }]))).toBe('VALID b');
    expect(await verdict(message([{ label: 'a', params: { ...PARAMS, keyid: 'key_none' } }, { label: 'b', secret: 'wrong' }]))).toBe('INVALID_CREDENTIAL/UNKNOWN_KEYID');
  });

  it('the same with a key resolver that answers asynchronously', async () => {
    const resolveKey = async (id: string) => (id === 'key_sig' ? KEY : undefined);
    expect(await verdict(message([{ label: 'a', secret: 'wrong' }, { label: 'b', params: { ...PARAMS, nonce: 'nonce-0002' } }]), { resolveKey })).toBe('VALID b');
    expect(await verdict(message([{ label: 'a', params: { ...PARAMS, keyid: 'key_none' } }, { label: 'b', secret: 'wrong' }]), { resolveKey })).toBe('INVALID_CREDENTIAL/UNKNOWN_KEYID');
  });

  it('a label in Signature-Input without a Signature member is refused', async () => {
    const v = message([{}]);
    expect(await verdict(withLines(v, [v.headerLines.find(([n]) => n === 'Signature-Input')!, ['Signature', 'other=:AAAA:']]))).toBe('SIGNATURE_INVALID/LABEL_WITHOUT_SIGNATURE');
  });
});

describe('parameters', () => {
  it.each([
    ['no keyid', { created: NOW_S, nonce: 'nonce-0001' }, 'SIGNATURE_INVALID/NO_KEYID'],
    ['no created', { nonce: 'nonce-0001', keyid: 'key_sig' }, 'SIGNATURE_INVALID/NO_CREATED'],
    ['no nonce', { created: NOW_S, keyid: 'key_sig' }, 'SIGNATURE_INVALID/NO_USABLE_NONCE'],
    ['a 7-character nonce', { ...PARAMS, nonce: 'n'.repeat(7) }, 'SIGNATURE_INVALID/NO_USABLE_NONCE'],
    ['an 8-character nonce', { ...PARAMS, nonce: 'n'.repeat(8) }, 'VALID kw'],
    ['a 128-character nonce', { ...PARAMS, nonce: 'n'.repeat(128) }, 'VALID kw'],
    ['a 129-character nonce', { ...PARAMS, nonce: 'n'.repeat(129) }, 'SIGNATURE_INVALID/NO_USABLE_NONCE'],
    ['another algorithm than the key’s', { ...PARAMS, alg: 'ed25519' }, 'SIGNATURE_INVALID/ALG_MISMATCH'],
    ['the key’s algorithm', { ...PARAMS, alg: 'hmac-sha256' }, 'VALID kw'],
    ['an unknown keyid', { ...PARAMS, keyid: 'key_none' }, 'INVALID_CREDENTIAL/UNKNOWN_KEYID'],
  ])('%s → %s', async (_name, params, expected) => {
    expect(await verdict(message([{ params }]))).toBe(expected);
  });

  it('without requireNonce a signature needs none, and one without a nonce is not remembered', async () => {
    const v = message([{ params: { created: NOW_S, keyid: 'key_sig' } }]);
    const opts = options({ requireNonce: false });
    expect((await verifyRequestSignature(v, undefined, opts)).valid).toBe(true);
    expect((await verifyRequestSignature(v, undefined, opts)).valid).toBe(true);
    expect(await verdict(v, { requireNonce: true })).toBe('SIGNATURE_INVALID/NO_USABLE_NONCE');
  });

  it('a required tag must be the signature’s', async () => {
    expect(await verdict(message([{ params: { ...PARAMS, tag: 'app' } }]), { tag: 'app' })).toBe('VALID kw');
    expect(await verdict(message([{ params: { ...PARAMS, tag: 'web' } }]), { tag: 'app' })).toBe('SIGNATURE_INVALID/WRONG_TAG');
    expect(await verdict(message([{}]), { tag: 'app' })).toBe('SIGNATURE_INVALID/WRONG_TAG');
    expect(await verdict(message([{ params: { ...PARAMS, tag: 'web' } }]))).toBe('VALID kw');
  });
});

describe('time window (now rounded down to the second; skew and maxAge 300 s by default)', () => {
  it('created: up to maxAge + skew in the past', async () => {
    expect(await verdict(message([{ params: { ...PARAMS, created: NOW_S - 600 } }]))).toBe('VALID kw');
    expect(await verdict(message([{ params: { ...PARAMS, created: NOW_S - 601 } }]))).toBe('SIGNATURE_EXPIRED/TOO_OLD');
  });

  it('expires: refused from skew seconds after it', async () => {
    expect(await verdict(message([{ params: { ...PARAMS, expires: NOW_S - 299 } }]))).toBe('VALID kw');
    expect(await verdict(message([{ params: { ...PARAMS, expires: NOW_S - 300 } }]))).toBe('SIGNATURE_EXPIRED/EXPIRED');
  });

  it('the nonce is remembered until the end of the window: min(expires, created + maxAge) + skew', async () => {
    const seen: number[] = [];
    const nonces: NonceStore = { checkAndRemember: (_k, _n, expiresAtMs) => (seen.push(expiresAtMs), 'fresh') };
    await verdict(message([{ params: { ...PARAMS, expires: NOW_S + 10 } }]), { nonces });
    await verdict(message([{ params: { ...PARAMS, expires: NOW_S + 1000 } }]), { nonces });
    await verdict(message([{}]), { nonces, maxAgeSeconds: 60, skewSeconds: 5 });
    expect(seen).toEqual([(NOW_S + 10 + 300) * 1000, (NOW_S + 300 + 300) * 1000, (NOW_S + 60 + 5) * 1000]);
  });
});

describe('the nonce cache', () => {
  it('a replay is NONCE_SEEN; a full cache for the key is NONCE_CACHE_FULL_FOR_KEY', async () => {
    const opts = options({ nonces: new MemoryNonceStore({ maxPerKey: 1, now: () => NOW_S * 1000 }) });
    const first = message([{}]);
    expect((await verifyRequestSignature(first, undefined, opts)).valid).toBe(true);
    expect(await verifyRequestSignature(first, undefined, opts)).toEqual({ valid: false, code: 'SIGNATURE_REPLAYED', reason: 'NONCE_SEEN' });
    expect(await verifyRequestSignature(message([{ params: { ...PARAMS, nonce: 'nonce-0002' } }]), undefined, opts)).toEqual({ valid: false, code: 'SIGNATURE_REPLAYED', reason: 'NONCE_CACHE_FULL_FOR_KEY' });
  });

  it.each<[NonceOutcome, string]>([
    ['fresh', 'VALID kw'],
    ['replayed', 'SIGNATURE_REPLAYED/NONCE_SEEN'],
    ['over_capacity', 'SIGNATURE_REPLAYED/NONCE_CACHE_FULL_FOR_KEY'],
  ])('an asynchronous nonce store answering %s → %s', async (outcome, expected) => {
    expect(await verdict(message([{}]), { nonces: { checkAndRemember: async () => outcome } })).toBe(expected);
  });
});

describe('coverage, base and Content-Digest', () => {
  const covered = [...DEFAULT, 'content-digest'];

  it('a body needs a covered Content-Digest; an empty body does not', async () => {
    expect(await verdict(message([{}]), {}, 'hello')).toBe('SIGNATURE_COVERAGE/NOT_COVERED: content-digest');
    expect(await verdict(message([{}]), {}, '')).toBe('VALID kw');
  });

  it('a covered component the message lacks is named; non-ASCII is reported bare', async () => {
    const v = message([{}]);
    const missing = { ...v, headerLines: v.headerLines };
    const lines = message([{ names: [...DEFAULT, 'x-a'] }], [['x-a', 'v']]).headerLines.filter(([n]) => n !== 'x-a');
    expect(await verdict({ ...missing, headerLines: lines })).toBe('SIGNATURE_INVALID/MISSING_COMPONENT: header x-a is absent');
    const signedAscii = message([{ names: [...DEFAULT, 'x-a'] }], [['x-a', 'v']]);
    const nonAscii = { ...signedAscii, headerLines: signedAscii.headerLines.map(([n, val]) => [n, n === 'x-a' ? 'caf\u00e9' : val] as [string, string]) };
    expect(await verdict(nonAscii)).toBe('SIGNATURE_INVALID/NON_ASCII');
  });

  it('the body must match every supported digest; a covered digest is checked even without a body', async () => {
    const withDigest = (digest: string) => message([{ names: covered }], [['Content-Digest', digest]]);
    expect(await verdict(withDigest(digestOf('hello')), {}, 'hello')).toBe('VALID kw');
    expect(await verdict(withDigest(`${digestOf('hello')}, ${digestOf('hello', 'sha512')}`), {}, 'hello')).toBe('VALID kw');
    expect(await verdict(withDigest(digestOf('other')), {}, 'hello')).toBe('DIGEST_MISMATCH/DIGEST_DIFFERS');
    expect(await verdict(withDigest(`${digestOf('hello')}, ${digestOf('other', 'sha512')}`), {}, 'hello')).toBe('DIGEST_MISMATCH/DIGEST_DIFFERS');
    expect(await verdict(withDigest('sha-256=:AAAA:'), {}, 'hello')).toBe('DIGEST_MISMATCH/DIGEST_DIFFERS');
    expect(await verdict(withDigest('md5=:AAAA:'), {}, 'hello')).toBe('DIGEST_MISMATCH/NO_SUPPORTED_ALGORITHM');
    expect(await verdict(withDigest('sha-256=1'), {}, 'hello')).toBe('DIGEST_MISMATCH/MALFORMED_CONTENT_DIGEST');
    expect(await verdict(withDigest(digestOf('x')))).toBe('DIGEST_MISMATCH/DIGEST_DIFFERS');
    expect(await verdict(withDigest(digestOf('')))).toBe('VALID kw');
    // The same with a key resolver that answers asynchronously.
    const resolveKey = async (id: string) => (id === 'key_sig' ? KEY : undefined);
    expect(await verdict(withDigest(digestOf('x')), { resolveKey })).toBe('DIGEST_MISMATCH/DIGEST_DIFFERS');
    expect(await verdict(withDigest(digestOf('other')), { resolveKey }, 'hello')).toBe('DIGEST_MISMATCH/DIGEST_DIFFERS');
  });
});

describe('the answer', () => {
  it('a valid signature names its key, label, algorithm, owner, components, created and nonce', async () => {
    expect(await verifyRequestSignature(message([{ label: 'sig1' }]), undefined, options())).toEqual({
      valid: true,
      code: 'VALID',
      keyId: 'key_sig',
      label: 'sig1',
      alg: 'hmac-sha256',
      owner: 'owner',
      components: ['"@method"', '"@authority"', '"@path"', '"@query"'],
      created: NOW_S,
      nonce: 'nonce-0001',
    });
  });

  it('a wrong MAC is BAD_SIGNATURE', async () => {
    expect(await verdict(message([{ secret: 'wrong' }]))).toBe('SIGNATURE_INVALID/BAD_SIGNATURE');
  });
});
