import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { AttestationVerifier } from '../../src/attestation/provider.js';

/**
 * A test double for a platform (not a mock of Keyward): a "device" holds a P-256 key pair and
 * attests by signing the challenge; the verifier checks that signature and registers the key.
 * It rides on the `android` payload shape: certificateChain = [SPKI, signature over the challenge].
 */
export interface SimulatedDevice {
  readonly privateKey: KeyObject;
  readonly spki: string;
  attest(challenge: string): { platform: 'android'; certificateChain: string[] };
  /** The generic assertion form: `<counter>.<DER ECDSA signature over clientData ‖ "\n" ‖ counter>`. */
  assert(clientData: Uint8Array, counter: number): string;
}

export function simulatedDevice(): SimulatedDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64url');
  return {
    privateKey,
    spki,
    attest: (challenge) => ({ platform: 'android', certificateChain: [spki, sign('sha256', Buffer.from(challenge, 'base64url'), privateKey).toString('base64url')] }),
    assert: (clientData, counter) => `${counter}.${sign('sha256', Buffer.concat([clientData, Buffer.from(`\n${counter}`)]), { key: privateKey, dsaEncoding: 'der' }).toString('base64url')}`,
  };
}

export const simulatedVerifier: AttestationVerifier<{ readonly platform: 'android'; readonly certificateChain: readonly string[] }> = {
  platform: 'android',
  async verify(payload, context) {
    const [spki, signature] = payload.certificateChain;
    if (!spki || !signature) return { ok: false, code: 'ATTESTATION_FAILED', reason: 'malformed' };
    if (!context.policy.android) return { ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'no_policy' };
    let ok = false;
    try {
      ok = verify('sha256', context.challenge, { key: Buffer.from(spki, 'base64url'), format: 'der', type: 'spki' }, Buffer.from(signature, 'base64url'));
    } catch {
      ok = false;
    }
    if (!ok) return { ok: false, code: 'ATTESTATION_FAILED', reason: 'signature' };
    const keyId = createHash('sha256').update(Buffer.from(spki, 'base64url')).digest('base64url');
    return { ok: true, instance: { platform: 'android', keyId, publicKeySpki: spki, counter: 0, facts: { securityLevel: 'simulated' } } };
  },
};
