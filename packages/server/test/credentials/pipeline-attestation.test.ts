import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { createPipeline, type AttestationGate, type PipelineOptions, type PipelineRequest } from '../../src/credentials/pipeline.js';
import type { DenyCode } from '../../src/errors/catalogue.js';
import { manualClock } from '../../src/lib/clock.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { authRequest, caller, stubVerifiers, validKey } from './stubs.js';

/**
 * The pipeline's attestation steps on stand-in verifiers and a recording attestation gate: a
 * missing attestation (refused, or only recorded in monitor-only mode), the per-request
 * assertion (fail closed without a gate), and which refusals monitor-only mode may let through.
 * attestation/assertions.test.ts runs the real gate end to end.
 */
const KEY = 'kw_sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';
const MAP = compileAccessMap(
  parseAccessMap(`
version: 1
resources:
  - { name: attested, path: /attested, allow: [secret, app-token], require: [attestation] }
  - { name: watched, path: /watched, allow: [secret, app-token], require: [attestation], monitor: true }
  - { name: scoped, path: /scoped, allow: [secret, app-token], require: [attestation], scopes: ["orders:write"], monitor: true }
  - { name: kinds, path: /kinds, allow: [app-token], require: [attestation], monitor: true }
  - { name: pay, path: /pay, allow: [app-token], require: [assertion] }
  - { name: pay-watched, path: /pay-watched, allow: [app-token], require: [attestation, assertion], monitor: true }
`),
);

/** An attested app token's caller (the token verifier's answer), or one that was not attested. */
const appToken = (attested: boolean): Caller => caller({ scheme: 'token', kind: 'app-token', id: 'jti_1', signed: false, attested, ...(attested ? { instanceId: 'ins_1' } : {}) });

type Check = Awaited<ReturnType<AttestationGate['verifyAssertion']>>;

/** A gate that answers what the test says and records every call. */
function recordingGate(answers: { monitorOnly?: boolean; assertion?: Check; noRefusedHook?: boolean } = {}) {
  const seen = { monitorOnly: [] as [string, string][], monitored: [] as [DenyCode, string, string][], refused: [] as [DenyCode, string, string, string][], assertions: [] as [Caller, PipelineRequest][] };
  const gate: AttestationGate = {
    monitorOnly: async (appId, environment) => {
      seen.monitorOnly.push([appId, environment]);
      return answers.monitorOnly ?? false;
    },
    monitored: (code, route, c) => void seen.monitored.push([code, route, c.id]),
    verifyAssertion: async (c, req) => {
      seen.assertions.push([c, req]);
      return answers.assertion ?? { ok: true };
    },
    ...(answers.noRefusedHook ? {} : { refused: (code: DenyCode, reason: string, route: string, c: Caller) => void seen.refused.push([code, reason, route, c.id]) }),
  };
  return { gate, seen };
}

function keyRequest(path: string): PipelineRequest {
  return { ...authRequest({ authorization: `Bearer ${KEY}` }, { rawTarget: path }), path, requestId: 'req_1' };
}

function tokenRequest(path: string): PipelineRequest {
  return { ...authRequest({ authorization: `Bearer ${JWT}`, 'keyward-assertion': 'a.b.c' }, { method: 'POST', rawTarget: path }), path, requestId: 'req_2' };
}

function pipeline(answers: Parameters<typeof stubVerifiers>[0], options: Partial<PipelineOptions> = {}) {
  const stub = stubVerifiers(answers);
  const decisions: [string, string][] = [];
  const run = createPipeline({ verifiers: stub.verifiers, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(Date.UTC(2026, 5, 1)), accessMap: MAP, onDecision: (code, reason) => decisions.push([code, reason]), ...options });
  return { run, seen: stub.seen, decisions };
}

const token = (attested: boolean) => ({ token: { valid: true, code: 'VALID', caller: appToken(attested) } as const });

describe('pipeline: a missing attestation', () => {
  it('without a gate is ATTESTATION_REQUIRED, decided at once (fail closed)', () => {
    const outcome = pipeline({}).run(keyRequest('/attested'));
    expect(outcome).not.toBeInstanceOf(Promise);
    expect(outcome).toStrictEqual({ allow: false, code: 'ATTESTATION_REQUIRED', headers: {} });
    // Monitor-only on the route does not open it either: nobody could record the miss.
    expect(pipeline({}).run(keyRequest('/watched'))).toStrictEqual({ allow: false, code: 'ATTESTATION_REQUIRED', headers: {} });
  });

  it('with a gate not in monitor-only mode is ATTESTATION_REQUIRED, recorded as a refusal on the route', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: false });
    expect(await pipeline({}, { attestation: gate }).run(keyRequest('/attested'))).toStrictEqual({ allow: false, code: 'ATTESTATION_REQUIRED', headers: {} });
    expect(seen.monitorOnly).toEqual([['app_1', 'live']]);
    expect(seen.refused).toEqual([['ATTESTATION_REQUIRED', 'ATTESTATION_REQUIRED', '/attested', 'key_1']]);
    expect(seen.monitored).toEqual([]);
  });

  it('is refused as well by a gate with no refusal hook', async () => {
    const { gate } = recordingGate({ monitorOnly: false, noRefusedHook: true });
    expect(await pipeline({}, { attestation: gate }).run(keyRequest('/attested'))).toStrictEqual({ allow: false, code: 'ATTESTATION_REQUIRED', headers: {} });
  });

  it('in the app’s monitor-only mode is recorded and the call goes on', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: true });
    const outcome = await pipeline({}, { attestation: gate }).run(keyRequest('/attested'));
    expect(outcome).toMatchObject({ allow: true, caller: { id: 'key_1', attested: false }, resource: { name: 'attested' } });
    expect(seen.monitored).toEqual([['ATTESTATION_REQUIRED', '/attested', 'key_1']]);
    expect(seen.refused).toEqual([]);
  });

  it('on a monitor-only route is recorded without asking the app’s setting', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: false });
    expect(await pipeline({}, { attestation: gate }).run(keyRequest('/watched'))).toMatchObject({ allow: true, resource: { name: 'watched' } });
    expect(seen.monitorOnly).toEqual([]);
    expect(seen.monitored).toEqual([['ATTESTATION_REQUIRED', '/watched', 'key_1']]);
  });

  it('monitor-only decides every other check as if attested: a missing scope is still refused, and not as an attestation refusal', async () => {
    const { gate, seen } = recordingGate();
    const narrow = pipeline({ key: validKey({}, null, ['orders:read']) }, { attestation: gate });
    expect(await narrow.run(keyRequest('/scoped'))).toStrictEqual({ allow: false, code: 'INSUFFICIENT_SCOPES', headers: {} });
    expect(seen.monitored).toEqual([['ATTESTATION_REQUIRED', '/scoped', 'key_1']]);
    expect(seen.refused).toEqual([]);
    const wide = pipeline({ key: validKey({}, null, ['orders:write']) }, { attestation: gate });
    expect(await wide.run(keyRequest('/scoped'))).toMatchObject({ allow: true, resource: { name: 'scoped' } });
  });

  it('only ATTESTATION_REQUIRED can be monitored: another refusal of the map is answered as it is, the gate not consulted', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: true });
    const { run, decisions } = pipeline({}, { attestation: gate });
    expect(await run(keyRequest('/kinds'))).toStrictEqual({ allow: false, code: 'KIND_NOT_ALLOWED', headers: {} });
    expect(await run(keyRequest('/nowhere'))).toStrictEqual({ allow: false, code: 'ACCESS_DENIED', headers: {} });
    expect(seen).toEqual({ monitorOnly: [], monitored: [], refused: [], assertions: [] });
    expect(decisions).toEqual([
      ['KIND_NOT_ALLOWED', 'KIND_SECRET_NOT_IN_ALLOW'],
      ['ACCESS_DENIED', 'NO_RESOURCE'],
    ]);
  });

  it('monitored on an assertion route: the assertion an unattested caller cannot make is not asked for, every other requirement stays', async () => {
    const { gate, seen } = recordingGate({ assertion: { ok: false, code: 'ASSERTION_INVALID', reason: 'BAD_SIGNATURE' } });
    const outcome = await pipeline(token(false), { attestation: gate }).run(tokenRequest('/pay-watched'));
    expect(outcome).toMatchObject({ allow: true, caller: { id: 'jti_1' }, resource: { name: 'pay-watched', require: ['attestation'] } });
    expect(seen.monitored).toEqual([['ATTESTATION_REQUIRED', '/pay-watched', 'jti_1']]);
    expect(seen.assertions).toEqual([]);
  });
});

describe('pipeline: the per-request assertion', () => {
  it('a valid assertion passes, checked on the caller and the request', async () => {
    const { gate, seen } = recordingGate();
    const { run, decisions } = pipeline(token(true), { attestation: gate });
    const req = tokenRequest('/pay');
    expect(await run(req)).toMatchObject({ allow: true, caller: { id: 'jti_1', attested: true }, resource: { name: 'pay' } });
    expect(seen.assertions).toEqual([[appToken(true), req]]);
    expect(decisions).toEqual([['VALID', 'VALID']]);
  });

  it('an attested caller on a route without the requirement is not asked for one', async () => {
    const { gate, seen } = recordingGate({ assertion: { ok: false, code: 'ASSERTION_INVALID', reason: 'BAD_SIGNATURE' } });
    expect(await pipeline(token(true), { attestation: gate }).run(tokenRequest('/attested'))).toMatchObject({ allow: true });
    expect(seen.assertions).toEqual([]);
  });

  it('a failed assertion is refused with its code, reported and recorded, when the app is not monitor-only', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: false, assertion: { ok: false, code: 'ASSERTION_INVALID', reason: 'CONTENT_DIGEST' } });
    const { run, decisions } = pipeline(token(true), { attestation: gate });
    expect(await run(tokenRequest('/pay'))).toStrictEqual({ allow: false, code: 'ASSERTION_INVALID', headers: {} });
    expect(decisions).toEqual([
      ['VALID', 'VALID'],
      ['ASSERTION_INVALID', 'CONTENT_DIGEST'],
    ]);
    expect(seen.monitorOnly).toEqual([['app_1', 'live']]);
    expect(seen.refused).toEqual([['ASSERTION_INVALID', 'CONTENT_DIGEST', '/pay', 'jti_1']]);
    expect(seen.monitored).toEqual([]);
  });

  it('a failed assertion is refused by a gate with no refusal hook, and by a pipeline with no decision hook', async () => {
    const failing = { ok: false, code: 'ASSERTION_COUNTER_REPLAYED', reason: 'COUNTER_RACE_LOST' } as const;
    const quiet = recordingGate({ assertion: failing, noRefusedHook: true });
    expect(await pipeline(token(true), { attestation: quiet.gate }).run(tokenRequest('/pay'))).toStrictEqual({ allow: false, code: 'ASSERTION_COUNTER_REPLAYED', headers: {} });
    const { gate } = recordingGate({ assertion: failing });
    const stub = stubVerifiers(token(true));
    const run = createPipeline({ verifiers: stub.verifiers, where: 'test', limits: new MemoryRateLimitStore(), now: manualClock(Date.UTC(2026, 5, 1)), accessMap: MAP, attestation: gate });
    expect(await run(tokenRequest('/pay'))).toStrictEqual({ allow: false, code: 'ASSERTION_COUNTER_REPLAYED', headers: {} });
  });

  it('without a gate an assertion route is ASSERTION_REQUIRED, on a monitor-only route too (fail closed)', async () => {
    const { run, decisions } = pipeline(token(true));
    expect(await run(tokenRequest('/pay'))).toStrictEqual({ allow: false, code: 'ASSERTION_REQUIRED', headers: {} });
    expect(await run(tokenRequest('/pay-watched'))).toStrictEqual({ allow: false, code: 'ASSERTION_REQUIRED', headers: {} });
    expect(decisions).toEqual([
      ['VALID', 'VALID'],
      ['ASSERTION_REQUIRED', 'NO_ATTESTATION_GATE'],
      ['VALID', 'VALID'],
      ['ASSERTION_REQUIRED', 'NO_ATTESTATION_GATE'],
    ]);
  });

  it('the app’s monitor-only mode records a failed assertion and lets the call on', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: true, assertion: { ok: false, code: 'ASSERTION_REQUIRED', reason: 'NO_ASSERTION_HEADER' } });
    expect(await pipeline(token(true), { attestation: gate }).run(tokenRequest('/pay'))).toMatchObject({ allow: true, resource: { name: 'pay' } });
    expect(seen.monitored).toEqual([['ASSERTION_REQUIRED', '/pay', 'jti_1']]);
    expect(seen.refused).toEqual([]);
  });

  it('a monitor-only route records a failed assertion without asking the app’s setting', async () => {
    const { gate, seen } = recordingGate({ monitorOnly: false, assertion: { ok: false, code: 'ASSERTION_COUNTER_REPLAYED', reason: 'COUNTER_RACE_LOST' } });
    expect(await pipeline(token(true), { attestation: gate }).run(tokenRequest('/pay-watched'))).toMatchObject({ allow: true, resource: { name: 'pay-watched' } });
    expect(seen.monitorOnly).toEqual([]);
    expect(seen.monitored).toEqual([['ASSERTION_COUNTER_REPLAYED', '/pay-watched', 'jti_1']]);
  });

  it.each(['ATTESTATION_INSTANCE_UNKNOWN', 'REATTESTATION_REQUIRED'] as const)('%s is never only monitored: refused on a monitor-only route', async (code) => {
    const { gate, seen } = recordingGate({ monitorOnly: true, assertion: { ok: false, code, reason: 'INSTANCE_REVOKED' } });
    expect(await pipeline(token(true), { attestation: gate }).run(tokenRequest('/pay-watched'))).toStrictEqual({ allow: false, code, headers: {} });
    expect(seen.refused).toEqual([[code, 'INSTANCE_REVOKED', '/pay-watched', 'jti_1']]);
    expect(seen.monitored).toEqual([]);
  });
});
