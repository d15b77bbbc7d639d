/**
 * Apple App Attest against real device data (test-data/app-attest, iOS 14.2–14.4), with the clock
 * pinned to each document's time: every attestation and assertion passes, and each is refused
 * after any single-byte change, under a wrong team or bundle, and under the wrong environment.
 */
import { createPublicKey } from 'node:crypto';
import { decode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appleVerifier, verifyAppleAssertion } from '../../src/attestation/apple/index.js';
import type { AttestationVerdict } from '../../src/attestation/provider.js';
import { applePolicy, appleVectors, type AppleVector } from './fixtures.js';

const verifier = appleVerifier();
const vectors = appleVectors();

function attest(v: AppleVector, attestation = v.attestation.attestationBase64, policy = applePolicy(v), nowMs = Date.parse(v.attestation.timestamp)): Promise<AttestationVerdict> {
  const challenge = Buffer.from(v.attestation.clientDataBase64, 'base64');
  return verifier.verify({ platform: 'apple', keyId: v.attestation.keyIdBase64, attestation }, { challenge, policy, nowMs });
}

function spki(v: AppleVector): string {
  return createPublicKey(v.attestation.publicKey).export({ type: 'spki', format: 'der' }).toString('base64url');
}

function assertion(v: AppleVector, overrides: { assertion?: string; storedCounter?: number; clientData?: Uint8Array; policy?: ReturnType<typeof applePolicy> } = {}) {
  return verifyAppleAssertion({
    publicKeySpki: spki(v),
    storedCounter: overrides.storedCounter ?? 0,
    assertion: overrides.assertion ?? v.assertion.assertionBase64,
    clientData: overrides.clientData ?? Buffer.from(v.assertion.clientDataBase64, 'base64'),
    policy: overrides.policy ?? applePolicy(v),
  });
}

it('finds the seven recorded devices', () => {
  expect(vectors).toHaveLength(7);
});

describe.each(vectors)('$file', (v) => {
  it('verifies the attestation at its own time and registers the certified key', async () => {
    const verdict = await attest(v);
    expect(verdict).toMatchObject({ ok: true, instance: { platform: 'apple', counter: 0, keyId: Buffer.from(v.attestation.keyIdBase64, 'base64').toString('base64url'), publicKeySpki: spki(v) } });
  });

  it('refuses the attestation a week later (the credential certificate lives three days)', async () => {
    expect(await attest(v, undefined, undefined, Date.parse(v.attestation.timestamp) + 7 * 86_400_000)).toMatchObject({ ok: false, code: 'ATTESTATION_CLOCK_SKEW' });
  });

  it('refuses another challenge', async () => {
    const verdict = await verifier.verify({ platform: 'apple', keyId: v.attestation.keyIdBase64, attestation: v.attestation.attestationBase64 }, { challenge: Buffer.from('other'), policy: applePolicy(v), nowMs: Date.parse(v.attestation.timestamp) });
    expect(verdict).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED', reason: 'nonce_mismatch' });
  });

  it('refuses another claimed key id', async () => {
    const verdict = await verifier.verify({ platform: 'apple', keyId: Buffer.alloc(32, 7).toString('base64'), attestation: v.attestation.attestationBase64 }, { challenge: Buffer.from(v.attestation.clientDataBase64, 'base64'), policy: applePolicy(v), nowMs: Date.parse(v.attestation.timestamp) });
    expect(verdict).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED', reason: 'key_id_mismatch' });
  });

  it('refuses a wrong team, a wrong bundle and the production environment, each with its own code', async () => {
    expect(await attest(v, undefined, applePolicy(v, { teamId: 'AAAAAAAAAA' }))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'rp_id_mismatch' });
    expect(await attest(v, undefined, applePolicy(v, { bundleIds: ['com.example.other'] }))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP' });
    expect(await attest(v, undefined, applePolicy(v, { appAttestEnvironment: 'production' }))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_ENVIRONMENT' });
  });

  it('accepts the recorded assertion above the stored counter and reports its counter', () => {
    expect(assertion(v)).toEqual({ ok: true, counter: v.assertion.counter });
  });

  it('refuses the assertion when its counter does not rise', () => {
    expect(assertion(v, { storedCounter: v.assertion.counter })).toMatchObject({ ok: false, code: 'ASSERTION_COUNTER_REPLAYED' });
  });

  it('refuses the assertion over other client data, for another app, or without a policy', () => {
    expect(assertion(v, { clientData: Buffer.from('wurzel') })).toMatchObject({ ok: false, code: 'ASSERTION_INVALID', reason: 'signature_invalid' });
    expect(assertion(v, { policy: applePolicy(v, { bundleIds: ['com.example.other'] }) })).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP' });
    expect(verifyAppleAssertion({ publicKeySpki: spki(v), storedCounter: 0, assertion: v.assertion.assertionBase64, clientData: Buffer.from(v.assertion.clientDataBase64, 'base64') })).toMatchObject({ ok: false });
  });

  it('refuses the assertion after any single-byte change', () => {
    const bytes = Buffer.from(v.assertion.assertionBase64, 'base64');
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i]! ^= 0x01;
      expect(assertion(v, { assertion: changed.toString('base64') }).ok, `byte ${i}`).toBe(false);
    }
  });
});

/** The offsets of the attestation object outside the receipt (Apple's token for its fraud-metric service, which the attestation does not depend on; docs/attestation.md). */
function changeablePositions(bytes: Buffer): number[] {
  const receipt = Buffer.from((decode(bytes) as { attStmt: { receipt: Uint8Array } }).attStmt.receipt);
  const start = bytes.indexOf(receipt);
  expect(start).toBeGreaterThan(0);
  return [...bytes.keys()].filter((i) => i < start || i >= start + receipt.length);
}

describe('single-byte changes to the attestation object', () => {
  it(`${vectors[0]!.file}: every byte outside the receipt (CBOR structure, authData, both certificates), XOR 0x01, is refused`, async () => {
    const v = vectors[0]!;
    const bytes = Buffer.from(v.attestation.attestationBase64, 'base64');
    const positions = changeablePositions(bytes);
    expect(positions.length).toBeGreaterThan(1500);
    for (const i of positions) {
      const changed = Buffer.from(bytes);
      changed[i]! ^= 0x01;
      expect((await attest(v, changed.toString('base64'))).ok, `byte ${i}`).toBe(false);
    }
  });

  it.each(vectors.slice(1))('$file: any byte outside the receipt set to any other value is refused (property)', async (v) => {
    const bytes = Buffer.from(v.attestation.attestationBase64, 'base64');
    const positions = changeablePositions(bytes);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...positions), fc.integer({ min: 1, max: 255 }), async (i, delta) => {
        const changed = Buffer.from(bytes);
        changed[i] = (changed[i]! + delta) & 0xff;
        expect((await attest(v, changed.toString('base64'))).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

});
