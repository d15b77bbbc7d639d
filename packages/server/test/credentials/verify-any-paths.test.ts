import { generateKey } from '@keyward/protocol';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/anomaly/model.js';
import type { Caller } from '../../src/credentials/caller.js';
import type { AttestationGate, PipelineRequest } from '../../src/credentials/pipeline.js';
import { verifyAny, type VerifyAnyObservation } from '../../src/credentials/verify-any.js';
import type { KeyDecision } from '../../src/keys/decide.js';
import { SIGNATURE_HEADERS, caller, stubVerifiers, validKey } from './stubs.js';

/**
 * verifyAny() beyond the credential itself, on stand-in verifiers: the wait a refusal carries,
 * what anomaly detection observes, and a whole request's Keyward-Assertion (checked by the gate,
 * refused without one), and a request whose target carries a key. verify-any.test.ts covers how
 * the input becomes an AuthRequest.
 */
const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const NOW = Date.UTC(2026, 5, 1);
const SIGNER = { signature: { valid: true, code: 'VALID', caller: caller({ instanceId: 'ins_1' }) } } as const;

type Check = Awaited<ReturnType<AttestationGate['verifyAssertion']>>;

function gate(answer: Check) {
  const asked: [Caller, PipelineRequest][] = [];
  return { asked, attestation: { verifyAssertion: async (c: Caller, req: PipelineRequest) => (asked.push([c, req]), answer) } };
}

const signedRequest = (extra: [string, string][] = [], over: { body?: Uint8Array; target?: string } = {}) => ({
  request: { method: 'POST', target: over.target ?? '/pay?x=1', clientIp: '192.0.2.1', headers: [...Object.entries(SIGNATURE_HEADERS), ...extra], ...(over.body ? { body: over.body } : {}) },
});

describe('verifyAny(): a refusal’s wait', () => {
  it('a rate-limited credential says when it may call again; other refusals carry no wait', async () => {
    const limited = stubVerifiers({ key: { valid: false, code: 'RATE_LIMITED', reason: 'KEY_RATE_LIMIT', retryAfterMs: 1500 } as KeyDecision });
    expect(await verifyAny(limited.verifiers, { credential: KEY })).toStrictEqual({ valid: false, code: 'RATE_LIMITED', retryAfterMs: 1500 });
    const revoked = stubVerifiers({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } });
    expect(await verifyAny(revoked.verifiers, { credential: KEY })).toStrictEqual({ valid: false, code: 'INVALID_CREDENTIAL' });
  });
});

describe('verifyAny(): what anomaly detection observes', () => {
  function observing(answers: Parameters<typeof stubVerifiers>[0]) {
    const seen: Observation[] = [];
    const stub = stubVerifiers(answers);
    return { verifiers: { ...stub.verifiers, observe: (o: Observation) => void seen.push(o) }, seen };
  }
  const observed = (over: Partial<VerifyAnyObservation> = {}): VerifyAnyObservation => ({ now: () => NOW, ...over });

  it('the end user’s address and user agent as the backend reports them, at the given time', async () => {
    const { verifiers, seen } = observing({ key: validKey({}, 'alice') });
    await verifyAny(verifiers, { credential: KEY }, {}, undefined, { observed: observed({ clientIp: '198.51.100.9', userAgent: 'app/2' }) });
    expect(seen).toStrictEqual([{ atMs: NOW, appId: 'app_1', credentialId: 'key_1', credentialKind: 'secret', subject: 'alice', clientIp: '198.51.100.9', userAgent: 'app/2', failed: false, signatureFailed: false }]);
  });

  it('without them: no address, and the signed request’s own user agent, else none', async () => {
    const { verifiers, seen } = observing(SIGNER);
    await verifyAny(verifiers, signedRequest([['User-Agent', 'curl/8']]), {}, undefined, { observed: observed() });
    await verifyAny(verifiers, signedRequest(), {}, undefined, { observed: observed() });
    expect(seen.map((o) => [o.clientIp, o.userAgent])).toEqual([
      [null, 'curl/8'],
      [null, null],
    ]);
  });

  it('a failure carries the app verified for, or none', async () => {
    const { verifiers, seen } = observing({ key: { valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' } });
    await verifyAny(verifiers, { credential: KEY }, { appId: 'app_1' }, undefined, { observed: observed() });
    await verifyAny(verifiers, { credential: KEY }, {}, undefined, { observed: observed() });
    expect(seen).toStrictEqual([
      { atMs: NOW, appId: 'app_1', credentialId: null, credentialKind: null, subject: null, clientIp: null, userAgent: null, failed: true, signatureFailed: false },
      { atMs: NOW, appId: null, credentialId: null, credentialKind: null, subject: null, clientIp: null, userAgent: null, failed: true, signatureFailed: false },
    ]);
  });

  it('nothing is observed without the backend’s view, and the view is harmless without a detector', async () => {
    const { verifiers, seen } = observing({});
    await verifyAny(verifiers, { credential: KEY });
    expect(seen).toEqual([]);
    const bare = stubVerifiers({});
    expect(await verifyAny(bare.verifiers, { credential: KEY }, {}, undefined, { observed: observed() })).toMatchObject({ valid: true, id: 'key_1' });
  });
});

describe('verifyAny(): a request’s Keyward-Assertion', () => {
  it('is checked by the gate on the caller and the request; a pass is `asserted: true`', async () => {
    const { asked, attestation } = gate({ ok: true });
    const body = new Uint8Array([7]);
    const result = await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest([['Keyward-Assertion', 'a.b.c']], { body }), {}, undefined, { attestation });
    expect(result).toStrictEqual({ valid: true, code: 'VALID', ...caller({ instanceId: 'ins_1' }), asserted: true });
    expect(asked).toHaveLength(1);
    const [c, req] = asked[0]!;
    expect(c).toStrictEqual(caller({ instanceId: 'ins_1' }));
    expect(req).toMatchObject({ method: 'POST', rawTarget: '/pay?x=1', path: '/pay', clientIp: '192.0.2.1', requestId: 'verify', body, headers: { 'keyward-assertion': 'a.b.c', signature: SIGNATURE_HEADERS.signature } });
    expect(req.rawHeaders).toEqual([...Object.entries(SIGNATURE_HEADERS).flat(), 'Keyward-Assertion', 'a.b.c']);
  });

  it('the path the gate sees is the target without its query, and no body is passed where none came', async () => {
    const { asked, attestation } = gate({ ok: true });
    await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest([['keyward-assertion', 'a.b.c']], { target: '/orders/1' }), {}, undefined, { attestation });
    expect(asked[0]![1].path).toBe('/orders/1');
    expect(asked[0]![1]).not.toHaveProperty('body');
  });

  it('a failed assertion is refused with its code; the reason goes to onReason', async () => {
    const { attestation } = gate({ ok: false, code: 'ASSERTION_COUNTER_REPLAYED', reason: 'COUNTER_RACE_LOST' });
    const reasons: string[][] = [];
    expect(await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest([['Keyward-Assertion', 'a.b.c']]), {}, (...r) => reasons.push(r), { attestation })).toStrictEqual({ valid: false, code: 'ASSERTION_COUNTER_REPLAYED' });
    expect(reasons).toEqual([['signature', 'ASSERTION_COUNTER_REPLAYED', 'COUNTER_RACE_LOST']]);
    // And without an onReason hook.
    expect(await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest([['Keyward-Assertion', 'a.b.c']]), {}, undefined, { attestation })).toStrictEqual({ valid: false, code: 'ASSERTION_COUNTER_REPLAYED' });
  });

  it('without a gate an assertion is refused, never read as a pass (fail closed)', async () => {
    const reasons: string[][] = [];
    expect(await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest([['Keyward-Assertion', 'a.b.c']]), {}, (...r) => reasons.push(r))).toStrictEqual({ valid: false, code: 'ASSERTION_INVALID' });
    expect(reasons).toEqual([['signature', 'ASSERTION_INVALID', 'NO_ATTESTATION_GATE']]);
  });

  it('a request without the header is not checked, with or without a gate', async () => {
    const { asked, attestation } = gate({ ok: false, code: 'ASSERTION_INVALID', reason: 'BAD_SIGNATURE' });
    expect(await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest(), {}, undefined, { attestation })).toStrictEqual({ valid: true, code: 'VALID', ...caller({ instanceId: 'ins_1' }) });
    expect(await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest())).toStrictEqual({ valid: true, code: 'VALID', ...caller({ instanceId: 'ins_1' }) });
    expect(await verifyAny(stubVerifiers({}).verifiers, { credential: KEY }, {}, undefined, { attestation })).toMatchObject({ valid: true, id: 'key_1' });
    expect(asked).toEqual([]);
  });

  it('the answer leaves out the budgets, which are for RateLimit headers only', async () => {
    const metered = stubVerifiers({ key: { ...validKey({ credits: { amount: 5, refill: null } }), policies: [{ name: 'kw:key', quota: 1, windowSeconds: 60 }] } as KeyDecision });
    const result = await verifyAny(metered.verifiers, { credential: KEY });
    expect(result).toMatchObject({ valid: true, id: 'key_1' });
    expect(result).not.toHaveProperty('limitPolicies');
    expect(result).not.toHaveProperty('credits');
  });
});

describe('verifyAny(): a key in the request’s target', () => {
  const inUrl = generateKey('secret', 'live', (n) => new Uint8Array(n).fill(5));
  const other = generateKey('publishable', 'live', (n) => new Uint8Array(n).fill(9));
  const hex = (k: string) => [...k].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

  function reporting(answers: Parameters<typeof stubVerifiers>[0] = SIGNER) {
    const reports: { keys: readonly string[]; seen: { where: string; requestId: string } }[] = [];
    const observedSeen: Observation[] = [];
    const stub = stubVerifiers({ ...answers, reportKeysInUrl: async (keys, seen) => void reports.push({ keys, seen }) });
    return { verifiers: { ...stub.verifiers, observe: (o: Observation) => void observedSeen.push(o) }, seen: stub.seen, reports, observedSeen };
  }

  it('is refused with KEY_IN_URL before anything is verified or observed, even with a valid signature, and the key is reported', async () => {
    const { verifiers, seen, reports, observedSeen } = reporting();
    const reasons: string[][] = [];
    const result = await verifyAny(verifiers, signedRequest([], { target: `/x?k=${inUrl}` }), {}, (...r) => reasons.push(r), { observed: { now: () => NOW }, requestId: 'req_verify1' });
    expect(result).toStrictEqual({ valid: false, code: 'KEY_IN_URL' });
    expect(reports).toEqual([{ keys: [inUrl], seen: { where: 'verify', requestId: 'req_verify1' } }]);
    expect(seen.signatures).toEqual([]);
    expect(seen.keys).toEqual([]);
    expect(observedSeen).toEqual([]);
    expect(reasons).toEqual([['any', 'KEY_IN_URL', 'KEY_IN_TARGET']]);
  });

  it.each([
    ['in the path', `/users/${inUrl}/profile`],
    ['with %5F for the underscores', `/x?key=${inUrl.replaceAll('_', '%5F')}`],
    ['percent-encoded twice', `/x?key=${inUrl.replaceAll('_', '%255F')}`],
    ['every character percent-encoded', `/x?key=${hex(inUrl)}`],
  ])('is found %s, as the gateway finds it', async (_how, target) => {
    const { verifiers, seen, reports } = reporting();
    expect(await verifyAny(verifiers, signedRequest([], { target }), {}, undefined, { requestId: 'req_2' })).toStrictEqual({ valid: false, code: 'KEY_IN_URL' });
    expect(reports).toEqual([{ keys: [inUrl], seen: { where: 'verify', requestId: 'req_2' } }]);
    expect(seen.signatures).toEqual([]);
  });

  it('every key in the target is reported, whatever credential the request carries', async () => {
    const { verifiers, seen, reports } = reporting({});
    const result = await verifyAny(verifiers, { request: { method: 'GET', target: `/a/${inUrl}?o=${encodeURIComponent(other)}`, headers: [['Authorization', `Bearer ${KEY}`]] } });
    expect(result).toStrictEqual({ valid: false, code: 'KEY_IN_URL' });
    expect([...reports[0]!.keys].sort()).toEqual([inUrl, other].sort());
    expect(seen.keys).toEqual([]);
  });

  it('without the caller’s request id the audit gets a fresh one; without a reporter the request is refused all the same', async () => {
    const { verifiers, reports } = reporting();
    await verifyAny(verifiers, signedRequest([], { target: `/x?k=${inUrl}` }));
    expect(reports[0]!.seen.requestId).toMatch(/^req_[0-9A-Za-z]{22}$/);
    expect(await verifyAny(stubVerifiers(SIGNER).verifiers, signedRequest([], { target: `/x?k=${inUrl}` }))).toStrictEqual({ valid: false, code: 'KEY_IN_URL' });
  });

  it('a target without a key is verified as usual, key-like text and percent signs included, and nothing is reported', async () => {
    const { verifiers, seen, reports } = reporting();
    const almost = `${inUrl.slice(0, -1)}${inUrl.endsWith('A') ? 'B' : 'A'}`;
    for (const target of ['/pay?x=1', '/x?q=%41%42&kw_x=1', `/x?k=${almost}`]) {
      expect(await verifyAny(verifiers, signedRequest([], { target }))).toStrictEqual({ valid: true, code: 'VALID', ...caller({ instanceId: 'ins_1' }) });
    }
    expect(seen.signatures.map((s) => s.req.rawTarget)).toEqual(['/pay?x=1', '/x?q=%41%42&kw_x=1', `/x?k=${almost}`]);
    expect(reports).toEqual([]);
  });
});
