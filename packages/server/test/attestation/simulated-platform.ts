import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

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

/** The server half is the example's (examples/attestation-demo/platform.ts): one simulated platform, not two. */
export { simulatedPlatformVerifier as simulatedVerifier } from '../../../../examples/attestation-demo/platform.js';
